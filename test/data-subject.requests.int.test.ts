import { randomUUID } from 'node:crypto';
import { INTERNAL_SIGNATURE_HEADER, signInternalRequest } from '#platform/infra/auth/gateway-signature';
import { SUBJECT_ERASE_PATH, SUBJECT_EXPORT_PATH } from '#platform/contracts/data-subject';
import { Role } from '#platform/infra/schema/shared-types';
import { dataSubjectCalls, GET_REQUEST, REQUEST_ERASURE, REQUEST_EXPORT } from './helpers/data-subject';
import { expectError, registerUser } from './helpers/identity';
import { signedSubgraphPost } from './helpers/signed';
import { startTestStack, type TestStack } from './helpers/stack';

/**
 * Reading data-subject requests: who may see one (and through _entities), the ADMIN list for the
 * console, and the subgraphs' signed internal routes. Making and running them:
 * data-subject.int.test.ts.
 */
let t: TestStack;
let admin: string;
const { ok, settled } = dataSubjectCalls(() => t);

beforeAll(async () => {
  t = await startTestStack({ env: { RATE_LIMIT_REGISTER_PER_IP: '1000', RATE_LIMIT_LOGIN_PER_IP: '1000' } });
  admin = await t.tokenFor((await registerUser(t)).id, [Role.ADMIN]);
});

afterAll(async () => {
  await t?.stop();
});

describe('dataSubjectRequest', () => {
  it('shows a request to its subject and ADMIN only; anyone else gets null, anonymous callers UNAUTHENTICATED', async () => {
    const owner = await registerUser(t);
    const other = await registerUser(t);
    const { requestDataExport } = await ok(REQUEST_EXPORT, {}, owner.accessToken);
    await settled(requestDataExport.id, owner.accessToken);
    const foreign = await t.gql(GET_REQUEST, { id: requestDataExport.id }, { token: other.accessToken });
    expect(foreign.body.errors).toBeUndefined();
    expect(foreign.body.data.dataSubjectRequest).toBeNull();
    expect((await ok(GET_REQUEST, { id: requestDataExport.id }, admin)).dataSubjectRequest.export.subjectId).toBe(
      owner.id,
    );
    expectError(await t.gql(GET_REQUEST, { id: requestDataExport.id }), 'UNAUTHENTICATED');
    expect((await ok(GET_REQUEST, { id: 'not-a-uuid' }, owner.accessToken)).dataSubjectRequest).toBeNull();
  });

  it('keeps the request private when reached through _entities', async () => {
    const owner = await registerUser(t);
    const other = await registerUser(t);
    const { requestDataExport } = await ok(REQUEST_EXPORT, {}, owner.accessToken);
    const call = async (token: string) => {
      const res = await signedSubgraphPost(
        t.config.GATEWAY_SECRET,
        t.stack.subgraphs['identity-consent'].url,
        {
          query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on DataSubjectRequest { id subjectId status } } }`,
          variables: { r: [{ __typename: 'DataSubjectRequest', id: requestDataExport.id }] },
        },
        { authorization: `Bearer ${token}` },
      );
      return res.body as any;
    };
    expect((await call(owner.accessToken)).data._entities[0].subjectId).toBe(owner.id);
    // like dataSubjectRequest(id): someone else's request is answered like an unknown id
    const foreign = await call(other.accessToken);
    expect(foreign.errors).toBeUndefined();
    expect(foreign.data._entities).toEqual([null]);
  });

  it('loads many requests, with their reports, in two statements', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const user = await registerUser(t);
      const { requestErasure } = await ok(REQUEST_ERASURE, {}, user.accessToken);
      await settled(requestErasure.id, admin);
      ids.push(requestErasure.id);
    }
    const query = `query { ${ids.map((id, i) => `r${i}: dataSubjectRequest(id: "${id}") { id status report { subgraph erased } }`).join(' ')} }`;
    const before = t.statements('identity-consent');
    const res = await t.gql(query, {}, { token: admin });
    expect(t.statements('identity-consent') - before).toBe(2);
    expect(res.body.errors).toBeUndefined();
    for (let i = 0; i < 3; i++) expect(res.body.data[`r${i}`].report).toHaveLength(4);
  });
});

describe('dataSubjectRequests (ADMIN list for the console)', () => {
  const LIST = `query($first: Int, $after: String, $status: DataSubjectRequestStatus, $type: DataSubjectRequestType) {
    dataSubjectRequests(first: $first, after: $after, status: $status, type: $type) {
      edges { cursor node { id type status subjectId report { subgraph erased } } } pageInfo { hasNextPage endCursor } totalCount } }`;

  it('pages every request newest first with cursors, filters by status and type, and loads a page in at most four statements', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const user = await registerUser(t);
      const { requestErasure } = await ok(REQUEST_ERASURE, {}, user.accessToken);
      await settled(requestErasure.id, admin);
      ids.push(requestErasure.id);
    }
    const all = (await ok(LIST, { first: 100, type: 'ERASURE', status: 'COMPLETED' }, admin)).dataSubjectRequests;
    const seen = all.edges.map((e: { node: { id: string } }) => e.node.id);
    // the three just made are the newest completed erasures, newest first
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());
    expect(all.totalCount).toBe(seen.length);
    expect(
      all.edges.every(
        (e: { node: { type: string; status: string; report: unknown[] } }) =>
          e.node.type === 'ERASURE' && e.node.status === 'COMPLETED' && e.node.report.length === 4,
      ),
    ).toBe(true);

    const walked: string[] = [];
    let after: string | null = null;
    do {
      const before = t.statements('identity-consent');
      const page: any = (await ok(LIST, { first: 2, after, type: 'ERASURE', status: 'COMPLETED' }, admin))
        .dataSubjectRequests;
      // the caller's roles re-read (an ADMIN field), ids and count, then the requests with their parts through the loader
      expect(t.statements('identity-consent') - before).toBeLessThanOrEqual(5);
      walked.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(walked).toEqual(seen);
    expect(
      (await ok(LIST, { first: 100, status: 'PENDING', type: 'ACCESS' }, admin)).dataSubjectRequests.edges.every(
        (e: any) => e.node.status === 'PENDING',
      ),
    ).toBe(true);
  });

  it('is refused to anyone but ADMIN, even to the subject of every request, and rejects bad paging', async () => {
    const subject = await registerUser(t);
    await ok(REQUEST_EXPORT, {}, subject.accessToken);
    const seller = await registerUser(t, { roles: ['SELLER'] });
    const [subjectRes, sellerRes, anonymous] = await Promise.all([
      t.gql(LIST, { first: 5 }, { token: subject.accessToken }),
      t.gql(LIST, { first: 5 }, { token: seller.accessToken }),
      t.gql(LIST, { first: 5 }),
    ]);
    for (const res of [subjectRes, sellerRes]) {
      expectError(res, 'FORBIDDEN');
      expect(res.body.data?.dataSubjectRequests ?? null).toBeNull();
    }
    expectError(anonymous, 'UNAUTHENTICATED');
    expectError(await t.gql(LIST, { first: 101 }, { token: admin }), 'BAD_USER_INPUT');
    expectError(await t.gql(LIST, { first: 5, after: 'bm90LWEtY3Vyc29y' }, { token: admin }), 'BAD_USER_INPUT');
    expectError(
      await t.gql(
        LIST,
        { first: 5, after: Buffer.from(JSON.stringify(['yesterday', 'x'])).toString('base64url') },
        { token: admin },
      ),
      'BAD_USER_INPUT',
    );
  });
});

describe('the internal routes', () => {
  it('refuse calls without a valid signature and answer signed ones', async () => {
    const url = new URL(t.stack.subgraphs['listings-matching'].url).origin;
    const path = `${SUBJECT_EXPORT_PATH}?userId=${randomUUID()}&requestId=${randomUUID()}`;
    expect((await fetch(url + path, { method: 'POST' })).status).toBe(401);
    const forged = signInternalRequest('not-the-secret-0123456789', 'POST', path);
    expect((await fetch(url + path, { method: 'POST', headers: { [INTERNAL_SIGNATURE_HEADER]: forged } })).status).toBe(
      401,
    );
    // A signature for export does not authorise erasure.
    const erasePath = path.replace(SUBJECT_EXPORT_PATH, SUBJECT_ERASE_PATH);
    // The gateway's key does not open internal routes.
    expect(
      (
        await fetch(url + path, {
          method: 'POST',
          headers: { [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(t.config.GATEWAY_SECRET, 'POST', path) },
        })
      ).status,
    ).toBe(401);
    const exportSignature = signInternalRequest(t.config.INTERNAL_SECRET, 'POST', path);
    expect(
      (await fetch(url + erasePath, { method: 'POST', headers: { [INTERNAL_SIGNATURE_HEADER]: exportSignature } }))
        .status,
    ).toBe(401);
    const res = await fetch(url + path, { method: 'POST', headers: { [INTERNAL_SIGNATURE_HEADER]: exportSignature } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      data: { listings: [], orders: [], matchRequests: [], sellerStats: null },
      truncated: [],
    });
    const bad = `${SUBJECT_EXPORT_PATH}?userId=nope&requestId=${randomUUID()}`;
    expect(
      (
        await fetch(url + bad, {
          method: 'POST',
          headers: { [INTERNAL_SIGNATURE_HEADER]: signInternalRequest(t.config.INTERNAL_SECRET, 'POST', bad) },
        })
      ).status,
    ).toBe(400);
  });
});
