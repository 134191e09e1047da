import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { ServiceMetrics } from './metrics';

/** Times every operation by name and outcome into the service's metrics. */
export function metricsPlugin<T extends BaseContext>(metrics: ServiceMetrics): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(ctx) {
          const name = ctx.operationName ?? ctx.request.operationName ?? 'anonymous';
          const errors = ctx.errors?.length ?? 0;
          const body = ctx.response.body;
          const hasGraphQLErrors = body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0;
          metrics.operationDuration.observe(
            { operation: name.slice(0, 64), outcome: errors > 0 || hasGraphQLErrors ? 'error' : 'ok' },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}

/** One debug line per operation on the request's own logger (so it carries the request id). */
export function requestLogPlugin<T extends BaseContext & { log?: { debug: (o: object, m: string) => void } }>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(ctx) {
          ctx.contextValue.log?.debug(
            { operation: ctx.operationName ?? null, ms: Math.round(performance.now() - started), errors: ctx.errors?.length ?? 0 },
            'graphql operation',
          );
        },
      };
    },
  };
}

