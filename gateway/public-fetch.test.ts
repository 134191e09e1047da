import { Registry } from 'prom-client';
import { isViewerIndependentFetch } from './public-fetch';
import { createSubgraphMetrics, SignedDataSource } from './signed-data-source';

const ENTITIES = (selection: string) =>
  `query Catalogue__identity_consent__1($representations:[_Any!]!){_entities(representations:$representations){${selection}}}`;

describe('a fetch of public entity fields only', () => {
  it('is what the query plan sends for a seller’s display name', () => {
    expect(isViewerIndependentFetch(ENTITIES('...on User{displayName}'))).toBe(true);
    expect(isViewerIndependentFetch(ENTITIES('__typename ...on User{__typename id displayName}'))).toBe(true);
  });

  it('is nothing else: an unlisted field or type, another shape, a mutation, a directive, an alias', () => {
    for (const query of [
      ENTITIES('...on User{displayName email}'),
      ENTITIES('...on User{consents{id}}'),
      ENTITIES('...on User{listings{totalCount}}'),
      ENTITIES('...on Listing{title}'),
      ENTITIES('...on User{displayName} ...on Listing{id}'),
      ENTITIES('...on User{name: email}'),
      ENTITIES('...on User{displayName: email}'),
      ENTITIES('...on User @include(if: true){displayName}'),
      ENTITIES('...on User{displayName @skip(if: false)}'),
      ENTITIES('...F') + ' fragment F on User{displayName}',
      ENTITIES('... {displayName}'),
      ENTITIES(''),
      `query($representations:[_Any!]!){_entities(representations:$representations){...on User{displayName}} me{email}}`,
      `query($representations:[_Any!]!){e: _entities(representations:$representations){...on User{displayName}}}`,
      `mutation($representations:[_Any!]!){_entities(representations:$representations){...on User{displayName}}}`,
      `query{me{displayName}}`,
      `{ not graphql`,
      '',
      undefined,
    ]) {
      expect([query, isViewerIndependentFetch(query)]).toEqual([query, false]);
    }
  });

  it('goes out without the caller’s identity; every other fetch carries it', () => {
    const source = new SignedDataSource({
      name: 'identity-consent',
      url: 'http://identity/graphql',
      timeoutMs: 1000,
      breakerResetMs: 1000,
      secret: 's'.repeat(32),
      metrics: createSubgraphMetrics({ registry: new Registry() } as never),
      log: { warn: () => undefined } as never,
    });
    const send = (query: string) => {
      const headers = new Headers();
      source.willSendRequest({
        request: { query, http: { method: 'POST', url: 'http://identity/graphql', headers } },
        context: { requestId: 'r1', authorization: 'Bearer t', clientIp: '10.0.0.1' },
      } as never);
      return headers;
    };
    const publicOnly = send(ENTITIES('...on User{displayName}'));
    expect(publicOnly.get('authorization')).toBeNull();
    expect(publicOnly.get('x-request-id')).toBe('r1');
    expect(publicOnly.get('x-client-ip')).toBe('10.0.0.1');
    expect(send(ENTITIES('...on User{displayName email}')).get('authorization')).toBe('Bearer t');
    expect(send('query{me{id}}').get('authorization')).toBe('Bearer t');
  });
});
