import { BadUserInputError } from '#platform/infra/errors';
import { hasVisibleText } from '#platform/infra/http/input-guard';
import { Role } from '#platform/infra/schema/shared-types';
import type { RegisterInput } from './auth.input';

export const PASSWORD_MIN = 10;
/** scrypt's cost does not depend on length, but there is no reason to accept a novel. */
export const PASSWORD_MAX = 256;
const EMAIL_MAX = 254;
// One @, no spaces, a dot in the domain: the address is proven by use, not by a regex.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

export function normaliseEmail(email: string): string {
  // NFKC as the rate limits key it (platform/infra/shield/rate-limit.ts normaliseEmailKey): one address, one account
  return email.normalize('NFKC').trim().toLowerCase();
}

export function validateEmail(email: string): string {
  const normalised = normaliseEmail(email);
  if (normalised.length > EMAIL_MAX || !EMAIL.test(normalised))
    throw new BadUserInputError('email is not a valid address', 'email');
  // .invalid can never be delivered (RFC 2606); erased accounts are given such addresses, and one
  // registered in advance must not be able to block someone's erasure.
  if (normalised.endsWith('.invalid')) throw new BadUserInputError('email is not a valid address', 'email');
  return normalised;
}

function characterClasses(password: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
}

export function validatePassword(password: string): void {
  if (password.length < PASSWORD_MIN)
    throw new BadUserInputError(`password must be at least ${PASSWORD_MIN} characters`, 'password');
  if (password.length > PASSWORD_MAX)
    throw new BadUserInputError(`password must be at most ${PASSWORD_MAX} characters`, 'password');
  if (characterClasses(password) < 2) {
    throw new BadUserInputError(
      'password must mix at least two of: lower case, upper case, digits, symbols',
      'password',
    );
  }
}

export function validateDisplayName(displayName: string): string {
  const trimmed = displayName.trim().replace(/\s+/g, ' ');
  if (trimmed.length < 2 || trimmed.length > 80)
    throw new BadUserInputError('displayName must be 2 to 80 characters', 'displayName');
  if (!hasVisibleText(trimmed))
    throw new BadUserInputError('displayName must contain visible characters', 'displayName');
  return trimmed;
}

const SELF_SERVICE_ROLES = new Set<Role>([Role.BUYER, Role.SELLER]);

export function validateRegistrationRoles(roles: Role[]): Role[] {
  const unique = [...new Set(roles)];
  if (unique.length === 0) throw new BadUserInputError('choose at least one role: BUYER or SELLER', 'roles');
  if (unique.some((r) => !SELF_SERVICE_ROLES.has(r)))
    throw new BadUserInputError('roles may only be BUYER and SELLER', 'roles');
  return unique;
}

export interface ValidRegistration {
  email: string;
  password: string;
  displayName: string;
  roles: Role[];
  province: RegisterInput['province'];
}

/** Field by field, in the order of the form, so the first problem is named. */
export function validateRegistration(input: RegisterInput): ValidRegistration {
  const email = validateEmail(input.email);
  validatePassword(input.password);
  return {
    email,
    password: input.password,
    displayName: validateDisplayName(input.displayName),
    roles: validateRegistrationRoles(input.roles),
    province: input.province ?? null,
  };
}
