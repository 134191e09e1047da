import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { SCHEMA_DIR } from '#platform/infra/paths';
import { composeAll } from './compose-lib';

/** `npm run compose` writes schema/; `npm run compose -- --check` fails when schema/ is stale. */
async function main() {
  const check = process.argv.includes('--check');
  const { files } = await composeAll();
  const stale: string[] = [];
  for (const [name, contents] of Object.entries(files)) {
    const file = path.join(SCHEMA_DIR, name);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : null;
    if (current === contents) continue;
    if (check) stale.push(name);
    else {
      writeFileSync(file, contents);
      process.stdout.write(`wrote schema/${name}\n`);
    }
  }
  if (check && stale.length) {
    process.stderr.write(
      `schema/ is out of date with the code: ${stale.join(', ')}. Run \`npm run compose\` and commit.\n`,
    );
    process.exit(1);
  }
  process.stdout.write(check ? 'schema/ matches the code\n' : 'composition succeeded\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
