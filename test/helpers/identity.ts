import type { GraphQLResponse, TestStack } from './stack';

/** The three sources seeded by external-sources' first migration. */
export const SOURCES = {
  suppliers: '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a01',
  exchange: '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a02',
  registry: '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a03',
} as const;

export const STRONG_PASSWORD = 'Hemp-field-2024';

export interface Session {
  id: string;
  email: string;
  accessToken: string;
  refreshToken: string;
}

let counter = 0;
export function uniqueEmail(tag = 'user'): string {
  counter += 1;
  return `${tag}-${counter}-${Math.random().toString(36).slice(2, 8)}@example.co.za`;
}

export const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      accessToken
      refreshToken
      expiresAt
      user {
        id
        email
        displayName
        roles
        province
      }
    }
  }
`;
export const LOGIN = /* GraphQL */ `
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      accessToken
      refreshToken
      expiresAt
      user {
        id
        email
        roles
      }
    }
  }
`;
export const REFRESH = /* GraphQL */ `
  mutation Refresh($token: String!) {
    refreshToken(refreshToken: $token) {
      accessToken
      refreshToken
      expiresAt
      user {
        id
        email
        roles
      }
    }
  }
`;

/** Registers through the gateway and returns the session. */
export async function registerUser(
  t: TestStack,
  input: Partial<{
    email: string;
    password: string;
    displayName: string;
    roles: string[];
    province: string | null;
  }> = {},
): Promise<Session> {
  const email = input.email ?? uniqueEmail();
  const res = await t.gql(REGISTER, {
    input: { email, password: STRONG_PASSWORD, displayName: 'Thandi Farmer', roles: ['BUYER'], ...input },
  });
  if (res.body.errors) throw new Error(`register failed: ${JSON.stringify(res.body.errors)}`);
  const p = res.body.data.register;
  return { id: p.user.id, email: p.user.email, accessToken: p.accessToken, refreshToken: p.refreshToken };
}

export function errorOf(res: GraphQLResponse, path?: string) {
  const errors = res.body.errors ?? [];
  return path ? errors.find((e) => e.path?.join('.') === path) : errors[0];
}

/** The error's code (and field, when given), or a readable failure. */
export function expectError(res: GraphQLResponse, code: string, field?: string, path?: string): void {
  const error = errorOf(res, path);
  if (!error) throw new Error(`expected ${code} but got data ${JSON.stringify(res.body.data)}`);
  expect(error.extensions?.code).toBe(code);
  if (field) expect(error.extensions?.field).toBe(field);
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
  };
}
