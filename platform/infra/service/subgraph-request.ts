import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Viewer } from '#platform/infra/auth/viewer';
import type { RevocationView } from '#platform/infra/auth/revocation';
import type { RequestInfo } from '#platform/infra/http/http-server';

/** Per-request pieces of a subgraph's server: in-flight counting, the loaders' deadline, headers. */

/** Counts each signed-in user's running requests, so an erasure can wait for the ones admitted before it. */
export function inFlightPlugin(view: RevocationView): ApolloServerPlugin<{ viewer: Viewer | null }> {
  return {
    async requestDidStart({ contextValue }) {
      if (!contextValue.viewer) return;
      const leave = view.enter(contextValue.viewer.userId);
      return {
        async willSendResponse() {
          leave();
        },
      };
    },
  };
}

/**
 * Past the operation's deadline, the request's loaders refuse new keys, so the rest of the
 * execution fails fast instead of querying the database for an answer nobody will read.
 */
export function stopAtDeadline<T>(loaders: T, deadline: AbortSignal): T {
  for (const loader of Object.values(loaders as object)) {
    if (!loader || typeof loader.load !== 'function') continue;
    const load = loader.load.bind(loader);
    loader.load = (key: unknown) => (deadline.aborted ? Promise.reject(deadlineError()) : load(key));
    if (typeof loader.loadMany === 'function') {
      const loadMany = loader.loadMany.bind(loader);
      loader.loadMany = (keys: unknown[]) => (deadline.aborted ? Promise.reject(deadlineError()) : loadMany(keys));
    }
  }
  return loaders;
}

function deadlineError() {
  return new GraphQLError('The operation passed its deadline', {
    extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DEADLINE_EXCEEDED' },
  });
}

export function header(info: RequestInfo, name: string): string | undefined {
  const value = info.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
