import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '#platform/infra/paths';

/**
 * One Node release everywhere: the `node` devDependency (every npm script, hence the tests, runs on
 * it even where the machine's Node is older), the Docker image, and `engines`, which says what is tested.
 */
const pkg = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
const pinned: string = pkg.devDependencies.node;

/** `^MAJOR.MINOR.PATCH` holds for `version` (the only form `engines` uses here). */
function caretHolds(range: string, version: string): boolean {
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!m) throw new Error(`engines.node should be a caret range, got ${range}`);
  const [maj, min, pat] = version.replace(/^v/, '').split('.').map(Number);
  const [rMaj, rMin, rPat] = m.slice(1).map(Number);
  return maj === rMaj && (min > rMin || (min === rMin && pat >= rPat));
}

describe('the Node runtime', () => {
  it('the suite runs on the pinned Node 24 release', () => {
    expect(process.version).toBe(`v${pinned}`);
    expect(process.versions.node.split('.')[0]).toBe('24');
  });

  it('engines names what is tested', () => {
    expect(caretHolds(pkg.engines.node, pinned)).toBe(true);
    expect(caretHolds(pkg.engines.node, '20.20.2')).toBe(false);
  });

  it('the image runs the same release', () => {
    const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`ARG NODE_VERSION=${pinned}`);
    const froms = dockerfile.match(/^FROM .+$/gm) ?? [];
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toMatch(/^FROM node:\$\{NODE_VERSION\}-bookworm-slim AS \w+$/);
  });
});
