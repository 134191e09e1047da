import { OPERATIONS } from './operations.js';
import type * as G from '../../../schema/generated/graphql';

/** Every operation the console sends, typed by codegen: name → [result, variables]. */
export interface Operations {
  AdminLogin: [G.AdminLoginMutation, G.AdminLoginMutationVariables];
  AdminRefresh: [G.AdminRefreshMutation, G.AdminRefreshMutationVariables];
  AdminLogout: [G.AdminLogoutMutation, G.AdminLogoutMutationVariables];
  AdminOverview: [G.AdminOverviewQuery, G.AdminOverviewQueryVariables];
  AdminFunnel: [G.AdminFunnelQuery, G.AdminFunnelQueryVariables];
  AdminMarketByProvince: [G.AdminMarketByProvinceQuery, G.AdminMarketByProvinceQueryVariables];
  AdminMarketByProductType: [G.AdminMarketByProductTypeQuery, G.AdminMarketByProductTypeQueryVariables];
  AdminSources: [G.AdminSourcesQuery, G.AdminSourcesQueryVariables];
  AdminTriggerCrawl: [G.AdminTriggerCrawlMutation, G.AdminTriggerCrawlMutationVariables];
  AdminCrawlRun: [G.AdminCrawlRunQuery, G.AdminCrawlRunQueryVariables];
  AdminConsentTrend: [G.AdminConsentTrendQuery, G.AdminConsentTrendQueryVariables];
  AdminDataSubjectRequests: [G.AdminDataSubjectRequestsQuery, G.AdminDataSubjectRequestsQueryVariables];
  AdminAuditLog: [G.AdminAuditLogQuery, G.AdminAuditLogQueryVariables];
  AdminVerifyAuditLog: [G.AdminVerifyAuditLogQuery, G.AdminVerifyAuditLogQueryVariables];
}
export type OperationName = keyof Operations;
export type Result<K extends OperationName> = Operations[K][0];
export type Vars<K extends OperationName> = Operations[K][1];
export type Session = G.AdminLoginMutation['login'];

interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; reason?: string };
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** Tokens live in this module only: never in storage, gone on reload. */
let session: Session | null = null;
let refreshTimer: number | undefined;
let refreshing: Promise<void> | null = null;
let onSignedOut: (why: string) => void = () => undefined;

export function currentSession(): Session | null {
  return session;
}

export function whenSignedOut(handler: (why: string) => void): void {
  onSignedOut = handler;
}

async function post<K extends OperationName>(
  name: K,
  variables: Vars<K>,
  token: string | null,
): Promise<{ status: number; body: { data?: Result<K>; errors?: GraphQLErrorShape[] } }> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json',
    'apollographql-client-name': 'admin-console',
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ operationName: name, query: OPERATIONS[name], variables }),
  });
  let body: { data?: Result<K>; errors?: GraphQLErrorShape[] };
  try {
    body = await res.json();
  } catch {
    throw new ApiError(`The API answered ${res.status} without a GraphQL body`, 'INTERNAL_SERVER_ERROR');
  }
  return { status: res.status, body };
}

function adopt(next: Session): void {
  session = next;
  window.clearTimeout(refreshTimer);
  // refresh a little before the access token expires, so pages never see TOKEN_EXPIRED in normal use
  const inMs = Math.max(5_000, new Date(next.expiresAt).getTime() - Date.now() - 30_000);
  refreshTimer = window.setTimeout(() => void refresh().catch(() => undefined), inMs);
}

export async function refresh(): Promise<void> {
  if (!session) throw new ApiError('Not signed in', 'UNAUTHENTICATED');
  refreshing ??= (async () => {
    try {
      const { body } = await post('AdminRefresh', { refreshToken: session!.refreshToken }, null);
      if (!body.data) {
        signOutLocally();
        onSignedOut('Your session ended; sign in again.');
        throw new ApiError(body.errors?.[0]?.message ?? 'Refresh failed', body.errors?.[0]?.extensions?.code);
      }
      adopt(body.data.refreshToken);
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Runs one typed operation with the session's token; refreshes once on TOKEN_EXPIRED and retries. */
export async function request<K extends OperationName>(name: K, variables: Vars<K>): Promise<Result<K>> {
  for (let attempt = 0; ; attempt += 1) {
    const { body } = await post(name, variables, session?.accessToken ?? null);
    const first = body.errors?.[0];
    if (
      first?.extensions?.code === 'UNAUTHENTICATED' &&
      first.extensions.reason === 'TOKEN_EXPIRED' &&
      attempt === 0 &&
      session
    ) {
      await refresh();
      continue;
    }
    if (first?.extensions?.code === 'UNAUTHENTICATED' && session) {
      signOutLocally();
      onSignedOut('Your session ended; sign in again.');
    }
    if (first || !body.data)
      throw new ApiError(first?.message ?? 'No data', first?.extensions?.code, first?.extensions?.reason);
    return body.data;
  }
}

export type SignIn = { ok: true; session: Session } | { ok: false; message: string };

/** Signs in; anyone without the ADMIN role is refused here, and their fresh refresh token revoked. */
export async function signIn(email: string, password: string): Promise<SignIn> {
  const { body } = await post('AdminLogin', { email, password }, null);
  if (!body.data) {
    const e = body.errors?.[0];
    const message =
      e?.extensions?.code === 'RATE_LIMITED'
        ? 'Too many attempts; wait a minute and try again.'
        : (e?.message ?? 'Sign-in failed');
    return { ok: false, message };
  }
  const next = body.data.login;
  if (!next.user.roles.includes('ADMIN')) {
    await post('AdminLogout', { refreshToken: next.refreshToken }, next.accessToken).catch(() => undefined);
    return {
      ok: false,
      message: `This console is for administrators only. ${next.user.displayName} is signed in as ${next.user.roles.join(', ')}, not ADMIN.`,
    };
  }
  adopt(next);
  return { ok: true, session: next };
}

function signOutLocally(): void {
  session = null;
  window.clearTimeout(refreshTimer);
}

export async function signOut(): Promise<void> {
  const s = session;
  signOutLocally();
  if (s) await post('AdminLogout', { refreshToken: s.refreshToken }, s.accessToken).catch(() => undefined);
}
