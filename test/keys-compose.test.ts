import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfig, SERVICE_NAMES } from '#platform/infra/config';
import { loadSigningKeys } from '#platform/infra/auth/keys';
import { PROJECT_ROOT } from '#platform/infra/paths';
import { renderKeys } from '../scripts/keys';
import { SECRET_KEYS } from '../scripts/k8s-manifests';
import {
  checkSourceCredentials,
  serviceCredential,
} from '../subgraphs/external-sources/modules/connector/source-runtime';
import { loadVault } from '../subgraphs/external-sources/modules/credential/vault';
import { DEMO_CREDENTIALS } from '../subgraphs/external-sources/simulators/demo-credentials';
import { interpolate, interpolateDocument, MissingVariableError, parseDotEnv } from './helpers/compose-env';

/**
 * `npm run keys > .env && docker compose up`, as the README says, checked without a Docker engine:
 * the keys output goes through Compose's .env parsing and variable interpolation, and every
 * service's resulting environment must pass that service's own production checks.
 */
const composeText = readFileSync(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(composeText, { merge: true }) as { name?: string; services: Record<string, any> };
const APP_SERVICES = [...SERVICE_NAMES, 'gateway'] as const;

describe('Compose interpolation (the helper itself)', () => {
  it('follows the Compose specification on the forms it defines', () => {
    const env: Record<string, string> = { SET: 'v', EMPTY: '' };
    const look = (n: string) => env[n];
    expect(interpolate('a ${SET} $SET $$SET', look)).toBe('a v v $SET');
    expect(interpolate('${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${SET:+alt} ${UNSET:+alt}', look)).toBe('d  d alt ');
    expect(() => interpolate('${UNSET:?say why}', look)).toThrow(MissingVariableError);
    expect(() => interpolate('${EMPTY:?say why}', look)).toThrow(/EMPTY/);
    expect(interpolate('${EMPTY?fine when set}', look)).toBe('');
    expect(() => interpolate('cost $5', look)).toThrow(/lone/);
  });

  it('parses .env lines as Compose does: comments, quotes, export', () => {
    const parsed = parseDotEnv(
      `# comment\nexport A=1\nB='{"x": "$y"}'\nC="line\\nnext $A"\nD=plain # trailing comment\n\nE=`,
    );
    expect(parsed).toEqual({ A: '1', B: '{"x": "$y"}', C: 'line\nnext 1', D: 'plain', E: '' });
  });
});

describe('npm run keys feeds docker-compose.yml', () => {
  let dir: string;
  let dotenv: Record<string, string>;
  let services: Record<string, any>;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'hemp-keys-'));
    dotenv = parseDotEnv(await renderKeys());
    // Compose reads the shell environment first, then .env; a clean shell here.
    services = interpolateDocument(compose, (n) => dotenv[n]).services;
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('needs Compose v2 (top-level name), which the README states', () => {
    expect(compose.name).toBe('hemp-marketplace');
    const readme = readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(/Docker Compose v2/);
  });

  it('stops with the missing variable named when .env is empty', () => {
    expect(() => interpolateDocument(compose, () => undefined)).toThrow(MissingVariableError);
  });

  it('prints every variable the compose file requires, and nothing it does not read', () => {
    const required = [...composeText.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    for (const name of required) expect([name, dotenv[name]?.length > 0]).toEqual([name, true]);
    const used = new Set([...composeText.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]));
    expect(Object.keys(dotenv).filter((k) => !used.has(k))).toEqual([]);
  });

  it('prints every secret a Kubernetes service needs except the database address', () => {
    const needed = new Set(Object.values(SECRET_KEYS).flat());
    needed.delete('DATABASE_URL');
    for (const key of needed) expect([key, key in dotenv]).toEqual([key, true]);
  });

  it.each([...APP_SERVICES, 'migrate'])(
    '%s: the interpolated environment passes its production checks',
    async (name) => {
      const env = services[name].environment as Record<string, string>;
      expect(env.NODE_ENV).toBe('production');
      const config = loadConfig(env, name);
      expect(config.isProduction).toBe(true);
      expect(config.DATABASE_URL).toBe(`postgres://hemp:${dotenv.POSTGRES_PASSWORD}@postgres:5432/hemp`);
      if (name === 'identity-consent') {
        const keys = await loadSigningKeys(env.JWT_PRIVATE_KEYS, dir);
        expect(keys).toBeDefined();
      }
      if (name === 'external-sources') {
        const vault = loadVault({ ...config, VAULT_KEYS: env.VAULT_KEYS, VAULT_ACTIVE_KID: env.VAULT_ACTIVE_KID });
        const sealed = vault.seal('a partner credential', 'user:source');
        expect(vault.open(sealed, 'user:source')).toBe('a partner credential');
        expect(() => checkSourceCredentials(config)).not.toThrow();
        for (const slug of Object.keys(DEMO_CREDENTIALS))
          expect(serviceCredential(config, slug)).toBe(DEMO_CREDENTIALS[slug]);
      }
    },
  );

  it('postgres gets the same password the services connect with', () => {
    expect(services.postgres.environment.POSTGRES_PASSWORD).toBe(dotenv.POSTGRES_PASSWORD);
  });

  it('a production service refuses to start without its secrets (what an incomplete .env would hit)', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' }, 'listings-matching')).toThrow(ConfigError);
    // the gateway needs no database and no pseudonym key: its Secret does not hold them
    expect(() =>
      loadConfig(
        { NODE_ENV: 'production', GATEWAY_SECRET: 'g'.repeat(40), INTERNAL_SECRET: 'i'.repeat(40) },
        'gateway',
      ),
    ).not.toThrow();
  });
});
