import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The error codes API.md promises; nothing else leaves the gateway. */
export const API_ERROR_CODES = [
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_IN_LIST',
  'INTERNAL_SERVER_ERROR',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];
const apiCodes = new Set<string>(API_ERROR_CODES);

/**
 * Errors raised inside resolvers carry no HTTP status: one refused field must not turn a whole
 * response (and the other fields' data) into an HTTP error. `withHttpStatus` is for errors that
 * end a request before execution, such as an invalid token.
 */
abstract class CodedError extends GraphQLError {
  constructor(message: string, code: ApiErrorCode, extra: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extra } });
  }
}

export function withHttpStatus<T extends GraphQLError>(error: T, status: number): T {
  (error.extensions as Record<string, unknown>).http = { status };
  return error;
}

export class UnauthenticatedError extends CodedError {
  constructor(message = 'Authentication required') {
    super(message, 'UNAUTHENTICATED');
  }
}
export class ForbiddenError extends CodedError {
  constructor(message = 'Not allowed') {
    super(message, 'FORBIDDEN');
  }
}
export class BadUserInputError extends CodedError {
  constructor(message: string, field?: string, extra: Record<string, unknown> = {}) {
    super(message, 'BAD_USER_INPUT', field ? { field, ...extra } : extra);
  }
}
export class NotFoundError extends CodedError {
  constructor(message = 'Not found') {
    super(message, 'NOT_FOUND');
  }
}
export class ConflictError extends CodedError {
  constructor(message: string) {
    super(message, 'CONFLICT');
  }
}
export class RateLimitedError extends CodedError {
  constructor(message: string, retryAfterSeconds: number) {
    super(message, 'RATE_LIMITED', { retryAfterSeconds });
  }
}

/** Codes Apollo Server gives to requests that never reached a resolver: the client sent something wrong. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Extension keys a client may see; everything else (stack traces, upstream responses, URLs) is dropped. */
const PUBLIC_EXTENSIONS = new Set(['code', 'field', 'reason', 'retryAfterSeconds', 'serviceName', 'maxPageSize']);

export interface MaskOptions {
  /** Called for every error that is masked, so it is logged with the request id. */
  onMasked?: (formatted: GraphQLFormattedError, original: unknown) => void;
}

/**
 * Gives every error a code from API.md and strips what must never leave a service: stack traces,
 * SQL, internal addresses. Client mistakes Apollo reports with its own codes become BAD_USER_INPUT
 * (the original code kept as `reason`); anything unknown becomes a masked INTERNAL_SERVER_ERROR.
 */
export function maskError(
  formatted: GraphQLFormattedError,
  original: unknown,
  options: MaskOptions = {},
): GraphQLFormattedError {
  const code = String(formatted.extensions?.code ?? '');
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(formatted.extensions ?? {})) {
    if (PUBLIC_EXTENSIONS.has(key)) rest[key] = value;
  }
  if (apiCodes.has(code) && code !== 'INTERNAL_SERVER_ERROR') {
    return { ...formatted, extensions: rest };
  }
  if (REQUEST_ERROR_CODES.has(code)) {
    return { ...formatted, extensions: { ...rest, code: 'BAD_USER_INPUT', reason: code } };
  }
  // Work cut off at its deadline is expected, and logged once where the deadline passed.
  if (rest.reason !== 'DEADLINE_EXCEEDED') options.onMasked?.(formatted, original);
  const serviceName = typeof rest.serviceName === 'string' ? rest.serviceName : undefined;
  return {
    message: serviceName
      ? `The ${serviceName} service could not complete this part of the request`
      : 'Internal server error',
    ...(formatted.path ? { path: formatted.path } : {}),
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    extensions: {
      code: 'INTERNAL_SERVER_ERROR',
      ...(serviceName ? { serviceName } : {}),
      ...(rest.reason === 'DEADLINE_EXCEEDED' ? { reason: 'DEADLINE_EXCEEDED' } : {}),
    },
  };
}

/** A GraphQL-over-HTTP error body for failures before GraphQL execution (bad JSON, oversize body, ...). */
export function httpErrorBody(message: string, code: ApiErrorCode, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, ...extra } }] });
}

const CLIENT_STATUS: Record<string, number> = {
  BAD_USER_INPUT: 400,
  PERSISTED_QUERY_NOT_FOUND: 400,
  PERSISTED_QUERY_NOT_IN_LIST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
};

/**
 * The HTTP status a refused request deserves when every error in it is the client's: Apollo answers
 * 500 when a plugin (an operation limit, say) refuses a request before execution.
 */
export function clientStatusFor(body: string): number | null {
  try {
    const parsed = JSON.parse(body) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    if (parsed.data !== undefined || !parsed.errors?.length) return null;
    const statuses = parsed.errors.map((e) => CLIENT_STATUS[String(e.extensions?.code)]);
    return statuses.every((s) => s !== undefined) ? Math.max(...statuses) : null;
  } catch {
    return null;
  }
}
