import type { TestStack } from './stack';
import { waitFor } from './wait';

/** Data-subject requests (docs/data-subject.md) as the tests ask for them. */
export const REQUEST_FIELDS =
  'id type status subjectId requestedAt completedAt export report { subgraph erased retained reason } failureReason';
export const REQUEST_EXPORT = `mutation { requestDataExport { ${REQUEST_FIELDS} } }`;
export const REQUEST_ERASURE = `mutation($userId: ID) { requestErasure(userId: $userId) { ${REQUEST_FIELDS} } }`;
export const GET_REQUEST = `query($id: ID!) { dataSubjectRequest(id: $id) { ${REQUEST_FIELDS} } }`;

/** Calls against the stack `stack()` returns (read at call time, so a file can set them up before beforeAll). */
export function dataSubjectCalls(stack: () => TestStack) {
  /** A GraphQL call that must succeed: its data, or a thrown error naming the operation. */
  async function ok<T = any>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
    const res = await stack().gql(query, variables, { token });
    if (res.body.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(res.body.errors)}`);
    return res.body.data;
  }

  /** Waits for a request to leave PENDING, and returns it. */
  async function settled(id: string, token: string): Promise<any> {
    return waitFor(
      async () => {
        const { dataSubjectRequest } = await ok(GET_REQUEST, { id }, token);
        return dataSubjectRequest.status === 'PENDING' ? null : dataSubjectRequest;
      },
      { what: `data-subject request ${id} to finish` },
    );
  }

  return { ok, settled };
}
