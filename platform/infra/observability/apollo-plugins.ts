import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import type { ServiceMetrics } from '#platform/infra/observability/metrics';
import { loadKnownOperations, operationLabel } from '#platform/infra/observability/known-operations';

/**
 * Times every operation by outcome and name into the service's metrics; names outside the reviewed
 * operations (schema/operations) are labelled `other`.
 */
export function metricsPlugin<T extends BaseContext>(
  metrics: ServiceMetrics,
  known: ReadonlySet<string> = loadKnownOperations(),
): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(ctx) {
          const name = operationLabel(ctx.operationName ?? ctx.request.operationName, known);
          const errors = ctx.errors?.length ?? 0;
          const body = ctx.response.body;
          const hasGraphQLErrors = body.kind === 'single' && (body.singleResult.errors?.length ?? 0) > 0;
          metrics.operationDuration.observe(
            { operation: name, outcome: errors > 0 || hasGraphQLErrors ? 'error' : 'ok' },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}

/** One debug line per operation on the request's own logger (so it carries the request id). */
export function requestLogPlugin<
  T extends BaseContext & { log?: { debug: (o: object, m: string) => void } },
>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(ctx) {
          ctx.contextValue.log?.debug(
            {
              operation: ctx.operationName ?? null,
              ms: Math.round(performance.now() - started),
              errors: ctx.errors?.length ?? 0,
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
