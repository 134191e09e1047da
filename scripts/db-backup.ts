import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SUBGRAPHS } from '../subgraphs';

const run = promisify(execFile);

/** Every schema the services own, plus the event bus. */
export const BACKED_UP_SCHEMAS = [...SUBGRAPHS.map((s) => s.dbSchema), 'events'];

/**
 * Extensions the schemas' objects need (listings' search index uses btree_gin's operator classes).
 * pg_dump leaves every extension out once it is given schemas, so they are named here; a restore
 * into a fresh database then creates them before the indexes that need them.
 */
export const BACKED_UP_EXTENSIONS = ['btree_gin'];

/**
 * A consistent snapshot (pg_dump runs in one repeatable-read transaction) of every service schema,
 * in pg_dump's custom format, so it can be restored selectively and in parallel.
 */
export async function backup(databaseUrl: string, file: string): Promise<{ file: string; bytes: number }> {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const args = [
    '--format=custom',
    '--no-owner',
    '--no-privileges',
    `--file=${file}`,
    ...BACKED_UP_SCHEMAS.map((s) => `--schema=${s}`),
    ...BACKED_UP_EXTENSIONS.map((e) => `--extension=${e}`),
    databaseUrl,
  ];
  await run('pg_dump', args, { maxBuffer: 16 * 1024 * 1024 });
  return { file, bytes: statSync(file).size };
}

/** Restores a backup into a database (replacing the service schemas there). */
export async function restore(databaseUrl: string, file: string): Promise<void> {
  await run(
    'pg_restore',
    [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--single-transaction',
      `--dbname=${databaseUrl}`,
      file,
    ],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
}

function usage(): never {
  process.stderr.write(
    'usage: npm run db:backup -- [file]   |   npm run db:restore -- <file>   (DATABASE_URL must be set)\n',
  );
  process.exit(2);
}

if (require.main === module) {
  const [command, fileArg] = process.argv.slice(2);
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL must point at the PostgreSQL server to back up or restore into\n');
    process.exit(2);
  }
  const action =
    command === 'backup'
      ? backup(url, fileArg ?? `backups/hemp-${new Date().toISOString().replace(/[:.]/g, '-')}.dump`).then((r) =>
          process.stdout.write(`backup written: ${r.file} (${r.bytes} bytes)\n`),
        )
      : command === 'restore' && fileArg
        ? restore(url, fileArg).then(() => process.stdout.write(`restored ${fileArg}\n`))
        : usage();
  action.catch((err: Error & { stderr?: string }) => {
    process.stderr.write(`${command} failed: ${err.stderr ?? err.message}\n`);
    process.exit(1);
  });
}
