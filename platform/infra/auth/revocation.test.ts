import pino from 'pino';
import { RevocationView, type RevocationEntry, type RevocationSync } from '#platform/infra/auth/revocation';

const log = pino({ level: 'silent' });
const TTL = 900_000;

function view(sync: RevocationSync, maxStalenessMs = 10_000) {
  return new RevocationView({
    service: 'test',
    log,
    tokenTtlMs: TTL,
    pollMs: 60_000,
    maxStalenessMs,
    sync,
    local: false,
  });
}

function fixedLog(entries: RevocationEntry[]): RevocationSync {
  return { fetch: async () => ({ now: Date.now(), entries }) };
}

const user = '6f1d0c5e-1d0a-4c1b-9a7e-111111111111';
const other = '6f1d0c5e-1d0a-4c1b-9a7e-222222222222';
const sid = '6f1d0c5e-1d0a-4c1b-9a7e-333333333333';

describe('RevocationView', () => {
  it('refuses a revoked session, tokens below the minimum version, and everything of an erased user', async () => {
    const now = Date.now();
    const v = view(fixedLog([{ kind: 'session', userId: user, sessionId: sid, at: now }]));
    await v.start(0);
    expect(v.check({ sub: user, sid, ver: 1 })).toBe('TOKEN_REVOKED');
    expect(v.check({ sub: user, sid: 'another-session', ver: 1 })).toBeNull();
    v.applyAll([{ kind: 'user', userId: user, minVersion: 3, at: now }]);
    expect(v.check({ sub: user, sid: 'another-session', ver: 2 })).toBe('TOKEN_REVOKED');
    expect(v.check({ sub: user, sid: 'another-session', ver: 3 })).toBeNull();
    // Tokens from before versions existed: by issue time.
    expect(v.check({ sub: user, iat: Math.floor((now - 5000) / 1000) })).toBe('TOKEN_REVOKED');
    expect(v.check({ sub: user, iat: Math.ceil((now + 2000) / 1000) })).toBeNull();
    expect(v.check({ sub: other, ver: 1 })).toBeNull();
    v.applyAll([{ kind: 'erasure', userId: other, at: now }]);
    expect(v.check({ sub: other, ver: 99 })).toBe('TOKEN_REVOKED');
    expect(v.isErased(other)).toBe(true);
    await v.stop();
  });

  it('keeps the highest version whatever order entries arrive in, and forgets entries older than a token lifetime', async () => {
    const v = view(fixedLog([]));
    await v.start(0);
    const now = Date.now();
    v.applyAll([{ kind: 'user', userId: user, minVersion: 5, at: now }]);
    v.applyAll([{ kind: 'user', userId: user, minVersion: 4, at: now - 10 }]);
    expect(v.check({ sub: user, ver: 4 })).toBe('TOKEN_REVOKED');
    v.applyAll([{ kind: 'session', userId: other, sessionId: sid, at: now - TTL - 120_000 }]);
    expect(v.check({ sub: other, sid, ver: 1 })).toBeNull();
    await v.stop();
  });

  it('fails closed once the log could not be read for longer than the bound', async () => {
    let up = true;
    const v = view(
      {
        fetch: async () => {
          if (!up) throw new Error('down');
          return { now: Date.now(), entries: [] };
        },
      },
      1000,
    );
    await v.start(0);
    expect(v.check({ sub: user, ver: 1 })).toBeNull();
    up = false;
    expect(v.check({ sub: user, ver: 1 }, Date.now() + 1500)).toBe('STALE');
    await v.stop();
  });

  it('is STALE before its first read, and lets an erasure wait for the user’s requests in flight', async () => {
    const v = view({
      fetch: async () => {
        throw new Error('not yet');
      },
    });
    expect(v.check({ sub: user, ver: 1 })).toBe('STALE');
    const leave = v.enter(user);
    const waited = v.drain(user, 2000);
    setTimeout(leave, 50);
    await expect(waited).resolves.toEqual({ waitedFor: 1, drained: true });
    const stuck = v.enter(user);
    await expect(v.drain(user, 30)).resolves.toEqual({ waitedFor: 1, drained: false });
    stuck();
    await v.stop();
  });
});
