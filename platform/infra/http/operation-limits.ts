import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  getNamedType,
  isLeafType,
  isListType,
  isNonNullType,
  Kind,
  getVariableValues,
  visit,
  type DocumentNode,
  type FormattedExecutionResult,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { BadUserInputError, withHttpStatus } from '#platform/infra/errors';
import { hasForbiddenText, inspectJsonInput } from '#platform/infra/http/input-guard';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '#platform/infra/schema/connection';

/**
 * Bounded work per operation, the same in the gateway and in every subgraph (a subgraph may sit
 * behind some other gateway): the operation is priced with the request's own variables before
 * anything runs, and its response has a size budget.
 */
export interface OperationLimits {
  maxCost: number;
  maxVariableDepth: number;
}

/**
 * Lists without a page-size argument whose length the server bounds well below the maximum page
 * size. Every other list of objects is priced at MAX_PAGE_SIZE items.
 */
const LIST_SIZE_HINTS: Record<string, number> = {
  'Query.dataSources': 10,
  'CrawlRun.results': 10,
  'SystemHealth.services': 10,
  'MlStatus.features': 20,
};

function isList(type: GraphQLType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

/**
 * One point per object a resolver produces (leaves are free), multiplied through lists:
 * `first` (coerced, defaults applied; DEFAULT_PAGE_SIZE when absent) for connections, the number of
 * representations for `_entities`, and MAX_PAGE_SIZE for any other list of unknown length.
 * Introspection is not priced (it is admin-only in production and bounded by the depth limit).
 */
export const listSizeEstimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (field.name.startsWith('__')) return 0;
  if (isLeafType(getNamedType(field.type))) return 0;
  if (field.args.some((a) => a.name === 'first')) {
    const first = args.first;
    const n =
      first === undefined || first === null
        ? DEFAULT_PAGE_SIZE
        : typeof first === 'number' && Number.isFinite(first)
          ? Math.max(0, first)
          : MAX_PAGE_SIZE;
    return 1 + n * childComplexity;
  }
  if (field.name === '_entities') {
    const n = Array.isArray(args.representations) ? args.representations.length : MAX_PAGE_SIZE;
    return 1 + n * childComplexity;
  }
  // A connection's edges are as many as its `first`, already counted on the connection field.
  if (field.name === 'edges' && type.name.endsWith('Connection')) return 1 + childComplexity;
  if (isList(field.type)) return 1 + (LIST_SIZE_HINTS[`${type.name}.${field.name}`] ?? MAX_PAGE_SIZE) * childComplexity;
  return 1 + childComplexity;
};

/** The operation's price with its variables (coerced, defaults applied). Throws GraphQLError when the variables do not coerce. */
export function priceOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
): number {
  return getComplexity({
    schema,
    query: document,
    operationName: operationName ?? undefined,
    variables: variables ?? {},
    estimators: [listSizeEstimator],
  });
}

/** The first string literal in the document that holds forbidden text (`"\u0000"` is a legal GraphQL escape). */
function literalProblem(document: DocumentNode): string | null {
  let found: string | null = null;
  visit(document, {
    StringValue(node) {
      if (!found && hasForbiddenText(node.value))
        found = 'A string in the query contains control characters, bidi overrides or invalid Unicode';
    },
  });
  return found;
}

/**
 * Per parsed document (Apollo hands back the same DocumentNode for the same text: its document
 * store), what does not depend on the variables: the literal check, and prices by the only thing in
 * the variables a price depends on (priceKey). Walking the document with its types was most of
 * the plugin's cost, paid again for every request of the same operation (about 5% of the gateway's
 * and of a subgraph's CPU on the catalogue). The variables are still coerced on every request, so
 * a request whose variables do not fit is refused as before.
 */
interface DocumentFacts {
  literal: string | null;
  prices: Map<string, number>;
}
const facts = new WeakMap<DocumentNode, DocumentFacts>();
const MAX_PRICES_PER_DOCUMENT = 256;

function factsOf(document: DocumentNode): DocumentFacts {
  let f = facts.get(document);
  if (!f) {
    f = { literal: literalProblem(document), prices: new Map() };
    facts.set(document, f);
  }
  return f;
}

/**
 * What a price can depend on in coerced variables: numbers (`first`) and booleans (`@include`,
 * `@skip`) as themselves, lists by their length (representations). Nothing else reaches the
 * estimator: strings, enums and input objects never change a price.
 */
function priceKey(operationName: string | null | undefined, coerced: Record<string, unknown>): string {
  let key = operationName ?? '';
  for (const name of Object.keys(coerced).sort()) {
    const v = coerced[name];
    if (typeof v === 'number' || typeof v === 'boolean') key += `|${name}=${v}`;
    else if (Array.isArray(v)) key += `|${name}#${v.length}`;
  }
  return key;
}

function selectedOperation(document: DocumentNode, operationName: string | null | undefined) {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
}

/** priceOperation, remembered per document and price key; throws like it when the variables do not coerce. */
function memoisedPrice(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
): number {
  const operation = selectedOperation(document, operationName);
  if (!operation) return priceOperation(schema, document, operationName, variables);
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return priceOperation(schema, document, operationName, variables);
  const { prices } = factsOf(document);
  const key = priceKey(operationName, coerced.coerced);
  let cost = prices.get(key);
  if (cost === undefined) {
    cost = priceOperation(schema, document, operationName, variables);
    if (prices.size >= MAX_PRICES_PER_DOCUMENT) prices.clear();
    prices.set(key, cost);
  }
  return cost;
}

function refuse(message: string, extra: Record<string, unknown> = {}, field?: string) {
  return withHttpStatus(new BadUserInputError(message, field, extra), 400);
}

/**
 * Refuses, before any resolver or subgraph call: variables nested too deep or holding forbidden
 * text, string literals with forbidden text, and operations priced above `maxCost`.
 */
export function operationLimitsPlugin<T extends BaseContext>(limits: OperationLimits): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation(ctx) {
          const problem = inspectJsonInput(ctx.request.variables ?? {}, limits.maxVariableDepth);
          if (problem) throw refuse(problem.message, { reason: 'INVALID_INPUT' }, problem.field);
          const literal = factsOf(ctx.document).literal;
          if (literal) throw refuse(literal, { reason: 'INVALID_INPUT' });
          if (
            ctx.operation?.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith('__'))
          )
            return;
          let cost: number;
          try {
            cost = memoisedPrice(ctx.schema, ctx.document, ctx.request.operationName, ctx.request.variables);
          } catch (err) {
            const message = err instanceof Error ? err.message : 'The variables do not match the operation';
            // graphql-query-complexity stops counting past maxQueryNodes (fragments spread many times)
            throw refuse(message, { reason: /number of nodes/.test(message) ? 'COST_LIMIT' : 'INVALID_VARIABLES' });
          }
          if (cost > limits.maxCost) {
            throw refuse(
              `This operation costs ${cost}, more than the limit of ${limits.maxCost}: ask for smaller pages or less nesting`,
              { reason: 'COST_LIMIT' },
            );
          }
        },
      };
    },
  };
}

/**
 * Result data that many responses share unchanged: the gateway's response cache answers every hit
 * with the object it stored. budgetedStringify writes their JSON once instead of on every hit (it
 * was an eighth of the gateway's CPU on cached catalogue answers). Whoever marks data promises
 * never to change it afterwards.
 */
const sharedData = new WeakSet<object>();
export function markSharedData(data: unknown): void {
  if (data && typeof data === 'object') sharedData.add(data);
}

/**
 * JSON for a response, or a coded error in its place when it is larger than `maxBytes` (then
 * `onExceeded` is told, for the log). Compact: Apollo pretty-prints by default.
 */
export function budgetedStringify(maxBytes: number, onExceeded?: (bytes: number) => void) {
  const written = new WeakMap<object, string>();
  const stringify = (result: FormattedExecutionResult): string => {
    const text = JSON.stringify(result);
    if (text.length * 3 <= maxBytes) return text;
    const bytes = Buffer.byteLength(text);
    if (bytes <= maxBytes) return text;
    onExceeded?.(bytes);
    return JSON.stringify({
      data: null,
      errors: [
        {
          message: `The response would be larger than ${maxBytes} bytes: ask for smaller pages or fewer fields`,
          extensions: { code: 'BAD_USER_INPUT', reason: 'RESPONSE_TOO_LARGE' },
        },
      ],
    });
  };
  return (result: FormattedExecutionResult): string => {
    const data = result.data;
    if (!data || result.errors !== undefined || result.extensions !== undefined || !sharedData.has(data))
      return stringify(result);
    let text = written.get(data);
    if (text === undefined) written.set(data, (text = stringify(result)));
    return text;
  };
}
