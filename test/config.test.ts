import { ConfigError, loadConfig, productionSecretProblems } from '#platform/infra/config';
import { createClientAddress } from '#platform/infra/http/client-address';

describe('configuration', () => {
  it('runs out of the box with defaults', () => {
    const config = loadConfig({});
    expect(config.GATEWAY_PORT).toBe(4000);
    expect(config.subgraphUrls['identity-consent']).toBe('http://localhost:4001/graphql');
    expect(config.BODY_LIMIT_BYTES).toBe(1_048_576);
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('names every bad value instead of starting with it', () => {
    expect(() => loadConfig({ GATEWAY_PORT: 'eighty', LOG_LEVEL: 'loud' })).toThrow(ConfigError);
    try {
      loadConfig({ GATEWAY_PORT: 'eighty', LOG_LEVEL: 'loud' });
    } catch (err) {
      expect((err as ConfigError).problems.join('\n')).toMatch(/GATEWAY_PORT/);
      expect((err as ConfigError).problems.join('\n')).toMatch(/LOG_LEVEL/);
    }
  });

  it('refuses development secrets and the embedded database in production', () => {
    try {
      loadConfig({ NODE_ENV: 'production' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/GATEWAY_SECRET/);
      expect(problems).toMatch(/PSEUDONYM_SECRET/);
      expect(problems).toMatch(/INTERNAL_SECRET/);
      expect(problems).toMatch(/DATABASE_URL/);
    }
    const ok = loadConfig({
      NODE_ENV: 'production',
      GATEWAY_SECRET: 'a'.repeat(40),
      INTERNAL_SECRET: 'c'.repeat(40),
      PSEUDONYM_SECRET: 'b'.repeat(40),
      DATABASE_URL: 'postgres://db/hemp',
    });
    expect(ok.isProduction).toBe(true);
  });

  it('refuses an internal key that is also a gateway key, and a short key in a rotation list', () => {
    const base = { NODE_ENV: 'production', PSEUDONYM_SECRET: 'b'.repeat(40), DATABASE_URL: 'postgres://db/hemp' };
    expect(() =>
      loadConfig({ ...base, GATEWAY_SECRET: `${'a'.repeat(40)},${'c'.repeat(40)}`, INTERNAL_SECRET: 'c'.repeat(40) }),
    ).toThrow(/INTERNAL_SECRET: must not share a key/);
    expect(() =>
      loadConfig({ ...base, GATEWAY_SECRET: `${'a'.repeat(40)},short-old-key-123`, INTERNAL_SECRET: 'c'.repeat(40) }),
    ).toThrow(/GATEWAY_SECRET/);
    const ok = loadConfig({
      ...base,
      GATEWAY_SECRET: `${'a'.repeat(40)},${'d'.repeat(40)}`,
      INTERNAL_SECRET: `${'c'.repeat(40)},${'e'.repeat(40)}`,
    });
    expect(ok.isProduction).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '  ' }).DATABASE_URL).toBeUndefined();
  });

  const production = {
    NODE_ENV: 'production',
    GATEWAY_SECRET: 'a'.repeat(40),
    INTERNAL_SECRET: 'c'.repeat(40),
    PSEUDONYM_SECRET: 'b'.repeat(40),
    DATABASE_URL: 'postgres://db/hemp',
  };

  it('refuses to run a service in production without the keys it would otherwise generate', () => {
    const config = loadConfig(production);
    expect(productionSecretProblems(config, ['identity-consent']).join('\n')).toMatch(/JWT_PRIVATE_KEYS/);
    const external = productionSecretProblems(config, ['external-sources']).join('\n');
    for (const key of ['VAULT_KEYS', 'SOURCE_CREDENTIALS']) expect(external).toMatch(new RegExp(key));
    // the gateway and the other subgraphs hold none of these
    expect(productionSecretProblems(config, ['gateway', 'analytics', 'listings-matching'])).toEqual([]);
    const supplied = loadConfig({
      ...production,
      JWT_PRIVATE_KEYS: '[{}]',
      VAULT_KEYS: '{"k1":"x"}',
      VAULT_ACTIVE_KID: 'k1',
      SOURCE_CREDENTIALS: '{}',
    });
    expect(productionSecretProblems(supplied, ['identity-consent', 'external-sources'])).toEqual([]);
    // development still generates them
    expect(productionSecretProblems(loadConfig({}), ['identity-consent', 'external-sources'])).toEqual([]);
  });

  it('validates TRUSTED_PROXIES and METRICS_TOKEN', () => {
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8, 192.168.1.7, ::1/128, fd00::/8' }).TRUSTED_PROXIES).toContain(
      '10.0.0.0/8',
    );
    for (const bad of ['10.0.0.0/33', 'ingress', '10.0.0.0/8/1', '::1/129'])
      expect(() => loadConfig({ TRUSTED_PROXIES: bad })).toThrow(/TRUSTED_PROXIES/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
  });
});

describe('client address (TRUSTED_PROXIES)', () => {
  const req = (peer: string, headers: Record<string, string> = {}) =>
    ({ socket: { remoteAddress: peer }, headers }) as never;

  it('ignores forwarded headers unless the peer is a trusted proxy', () => {
    const none = createClientAddress('');
    expect(none(req('::ffff:198.51.100.1', { 'x-forwarded-for': '203.0.113.9' }))).toBe('198.51.100.1');
    const trusted = createClientAddress('10.0.0.0/8');
    expect(trusted(req('198.51.100.1', { 'x-forwarded-for': '203.0.113.9' }))).toBe('198.51.100.1');
    expect(trusted(req('10.1.2.3', { 'x-forwarded-for': '203.0.113.9' }))).toBe('203.0.113.9');
  });

  it('walks the chain from the right and stops at the first address no trusted proxy vouches for', () => {
    const trusted = createClientAddress('10.0.0.0/8');
    // the client wrote 1.2.3.4 itself; the ingress appended the address it saw
    expect(trusted(req('10.0.0.5', { 'x-forwarded-for': '1.2.3.4, 203.0.113.9, 10.0.0.7' }))).toBe('203.0.113.9');
    expect(trusted(req('10.0.0.5', { forwarded: 'for=1.2.3.4, for="[2001:db8::1]:4711";proto=https' }))).toBe(
      '2001:db8::1',
    );
    expect(trusted(req('10.0.0.5', { forwarded: 'for=unknown' }))).toBe('10.0.0.5');
    expect(trusted(req('10.0.0.5', { 'x-forwarded-for': 'not-an-address' }))).toBe('10.0.0.5');
    expect(trusted(req('10.0.0.5'))).toBe('10.0.0.5');
  });
});
