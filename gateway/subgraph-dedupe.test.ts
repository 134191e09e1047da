import { dedupeInFlight, identityScope } from './subgraph-dedupe';

const token = (sub: string) => `Bearer x.${Buffer.from(JSON.stringify({ sub })).toString('base64url')}.y`;
const body = JSON.stringify({ query: 'query { listings { edges { node { id } } } }' });

describe('in-flight dedupe', () => {
  it('scopes calls by identity: anonymous, one partner, one user', () => {
    expect(identityScope({ headers: {} })).toBe('anonymous');
    expect(identityScope({ headers: { 'x-partner-id': 'p1' } })).toBe('partner:p1');
    expect(identityScope({ headers: new Headers({ authorization: token('u1') }) })).toBe('user:u1');
  });

  it('shares a call only within one scope and only while it is in flight, never for mutations', async () => {
    let calls = 0;
    let open: () => void = () => undefined;
    let gate = new Promise<void>((r) => (open = r));
    const fetcher = dedupeInFlight(async () => {
      const n = ++calls;
      await gate;
      return new Response(JSON.stringify({ data: { n } }), { status: 200 });
    });
    const tick = () => new Promise((r) => setTimeout(r, 10));
    const anon = () => fetcher('http://s/graphql', { method: 'POST', body, headers: {} });
    const user = (sub: string) =>
      fetcher('http://s/graphql', { method: 'POST', body, headers: { authorization: token(sub) } });
    const pending = [anon(), anon(), user('a'), user('a'), user('b')];
    await tick();
    expect(calls).toBe(3);
    open();
    const bodies = await Promise.all(pending.map(async (p) => (await p).text()));
    expect(bodies[0]).toBe(bodies[1]);
    expect(bodies[2]).toBe(bodies[3]);
    expect(new Set(bodies).size).toBe(3);
    // finished: the next identical request is a new call
    await anon();
    expect(calls).toBe(4);
    gate = new Promise<void>((r) => (open = r));
    const mutation = JSON.stringify({ query: 'mutation { logout(refreshToken: "x") }' });
    const m = [
      fetcher('http://s/graphql', { method: 'POST', body: mutation, headers: {} }),
      fetcher('http://s/graphql', { method: 'POST', body: mutation, headers: {} }),
    ];
    await tick();
    expect(calls).toBe(6);
    open();
    await Promise.all(m);
  });
});
