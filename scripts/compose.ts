import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { SCHEMA_DIR } from '#platform/infra/paths';
import { composeAll, hintWarnings } from './compose-lib';

/**
 * `npm run compose` writes schema/; `npm run compose -- --check` fails when schema/ is stale. Both
 * print composition's hints as warnings on stderr (they do not fail the run: hints are advice).
 */
async function main() {
  const check = process.argv.includes('--check');
  const { files, hints } = await composeAll();
  for (const line of hintWarnings(hints)) process.stderr.write(`${line}\n`);
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
  const hinted = hints.length ? ` (${hints.length} composition hint${hints.length === 1 ? '' : 's'}, above)` : '';
  process.stdout.write(`${check ? 'schema/ matches the code' : 'composition succeeded'}${hinted}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
});
