import { ConfigError, loadConfig } from '../platform/config';

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
    expect(() => loadConfig({ ...base, GATEWAY_SECRET: `${'a'.repeat(40)},${'c'.repeat(40)}`, INTERNAL_SECRET: 'c'.repeat(40) })).toThrow(/INTERNAL_SECRET: must not share a key/);
    expect(() => loadConfig({ ...base, GATEWAY_SECRET: `${'a'.repeat(40)},short-old-key-123`, INTERNAL_SECRET: 'c'.repeat(40) })).toThrow(/GATEWAY_SECRET/);
    const ok = loadConfig({ ...base, GATEWAY_SECRET: `${'a'.repeat(40)},${'d'.repeat(40)}`, INTERNAL_SECRET: `${'c'.repeat(40)},${'e'.repeat(40)}` });
    expect(ok.isProduction).toBe(true);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', REDIS_URL: '  ' }).DATABASE_URL).toBeUndefined();
  });
});
