import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ENV_KEYS } from '#platform/infra/config';
import { PROJECT_ROOT } from '#platform/infra/paths';

describe('README', () => {
  const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');

  it('starts with the command that runs the stack and the one that runs the tests', () => {
    const firstBlock = readme.split('```')[1];
    expect(firstBlock).toMatch(/npm start/);
    expect(firstBlock).toMatch(/npm test/);
  });

  it.each(ENV_KEYS)('documents %s', (key) => {
    expect(readme).toContain(`\`${key}\``);
  });
});
