import { execute, GraphQLError, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/**
 * Execution of a subgraph's operations by graphql-jit: each operation is compiled once into a
 * JavaScript function for the schema, and then runs that function instead of graphql-js walking the
 * document for every field of every row. A catalogue page of 20 listings resolves a few hundred
 * fields; graphql-js's walk was the largest single part of the subgraph's CPU per request
 * (docs/performance.md).
 *
 * Apollo Server keeps doing everything before execution (parsing with its document cache,
 * validation, the plugins' hooks, the operation-cost limit) and after it (error masking, response
 * shaping): it hands the executor through its gateway interface, the one way it takes another
 * executor. The resolvers, shield's rules and the federation resolvers are the same functions.
 *
 * Two places where graphql-jit differs, made to answer as graphql-js does:
 *  - its errors are look-alikes without an `extensions` object (Apollo's error formatting needs
 *    one), so each becomes a graphql-js GraphQLError with the same message, path, locations and
 *    original error;
 *  - a request refused before execution (variables that do not fit the operation) is answered by
 *    graphql-js itself, so its errors and the 400 status Apollo gives them are the reference ones.
 *    graphql-js coerces the variables before running any resolver.
 *
 * An operation is compiled on its COMPILE_AFTER-th execution, not its first: compiling costs
 * more than one execution (milliseconds for a large operation), so operations seen once (an
 * admin's query in Sandbox, or a stream of distinct documents sent to make the subgraph compile)
 * run on graphql-js and never pay for it. Compiled operations are kept per parsed document
 * (Apollo's document cache hands back the same document for the same text) and per operation
 * name: no more of them live than documents do.
 */
export const COMPILE_AFTER = 2;

export function compiledExecution(
  schema: GraphQLSchema,
  options: { onCompiled?: (operationName: string | undefined) => void } = {},
): GatewayInterface {
  /** Per document and operation name: executions so far, then the compiled operation (or why not). */
  const operations = new WeakMap<DocumentNode, Map<string, number | CompiledQuery | ExecutionResult>>();
  const compiledFor = (document: DocumentNode, operationName: string | undefined) => {
    let byName = operations.get(document);
    if (!byName) operations.set(document, (byName = new Map()));
    const key = operationName ?? '';
    const seen = byName.get(key) ?? 0;
    if (typeof seen !== 'number') return seen;
    if (seen + 1 < COMPILE_AFTER) {
      byName.set(key, seen + 1);
      return null;
    }
    const operation = compileQuery(schema, document, operationName);
    byName.set(key, operation);
    if (isCompiledQuery(operation)) options.onCompiled?.(operationName);
    return operation;
  };
  return {
    async load() {
      return {
        executor: async (request) => {
          const variables = request.request.variables ?? {};
          const reference = () =>
            execute({
              schema,
              document: request.document,
              contextValue: request.context,
              variableValues: variables,
              operationName: request.operationName ?? undefined,
            });
          const operation = compiledFor(request.document, request.operationName ?? undefined);
          // Not compiled yet, or not compilable: graphql-js, whose errors then say why.
          if (!operation || !isCompiledQuery(operation)) return reference();
          const result = await operation.query(undefined, request.context, variables);
          if (result.data === undefined) return reference();
          return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
        },
      };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: '' });
      return () => undefined;
    },
    async stop() {},
  };
}

/** A graphql-jit error as the graphql-js GraphQLError it stands for (see compiledExecution). */
function asGraphQLError(error: GraphQLError): GraphQLError {
  if (error.constructor === GraphQLError) return error;
  const original = error.originalError ?? undefined;
  const converted = new GraphQLError(error.message, {
    path: error.path,
    originalError: original,
    extensions: error.extensions ?? (original as { extensions?: Record<string, unknown> } | undefined)?.extensions,
  });
  if (error.locations) (converted as { locations?: unknown }).locations = error.locations;
  return converted;
}
