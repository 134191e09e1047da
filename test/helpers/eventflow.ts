import type { Outbox } from '#platform/infra/events/outbox';
import { LOGIN, registerUser, STRONG_PASSWORD, type Session } from './identity';
import { sqlOf, type GraphQLResponse, type TestStack } from './stack';

/** Shared by the domain-event end-to-end tests (eventflow*.int.test.ts). */

/** The data of a GraphQL answer that must have no errors. */
export function ok(res: GraphQLResponse): any {
  if (res.body.errors) throw new Error(JSON.stringify(res.body.errors));
  return res.body.data;
}

/** SQL on listings-matching and external-sources, and the events their outboxes hold. */
export function eventflowQueries(stack: () => TestStack) {
  const listingsSql = sqlOf(stack, 'listings-matching');
  const externalSql = sqlOf(stack, 'external-sources');
  async function outboxEvents(
    schema: 'listings' | 'external',
    type: string,
    aggregateId: string,
  ): Promise<Array<{ payload: any; event_id: string }>> {
    return (schema === 'listings' ? listingsSql : externalSql)(
      `SELECT event_id, payload FROM ${schema}.outbox WHERE type = $1 AND aggregate_id = $2 ORDER BY id`,
      [type, aggregateId],
    );
  }
  return { listingsSql, externalSql, outboxEvents };
}

/** A buyer in Gauteng, registered and then signed in again, as an app would. */
export async function signedInBuyer(t: TestStack): Promise<Session> {
  const registered = await registerUser(t, { roles: ['BUYER'], province: 'GAUTENG' });
  const login = await t.gql(LOGIN, { email: registered.email, password: STRONG_PASSWORD });
  expect(login.body.errors).toBeUndefined();
  return { ...registered, accessToken: login.body.data.login.accessToken };
}

/** An outbox that writes the event and then fails, as a crash right after it would: the transaction must roll back both. */
export function crashingAfterWrite(real: Outbox): Outbox {
  return {
    add: async (manager: unknown, event: unknown) => {
      await real.add(manager as never, event as never);
      throw new Error('crash after the event was written');
    },
    addWithin: async (manager: unknown, event: unknown, firstParam: number, run: unknown) => {
      await real.addWithin(manager as never, event as never, firstParam, run as never);
      throw new Error('crash after the event was written');
    },
  } as unknown as Outbox;
}

export const CREATE = `mutation($input: CreateListingInput!) { createListing(input: $input) { id status availableKg } }`;
export const MATCH = `mutation($input: MatchInput!) { requestMatches(input: $input) {
  id includeExternal matches { score source explanation breakdown { price distance quantity quality socialImpact }
    listing { id } externalOffer { id productType source { id } pricePerKg { amount } } } } }`;

const TITLE = 'Retted hemp fibre from the Highveld';
export const listingInput = (overrides: Record<string, unknown> = {}) => ({
  title: TITLE,
  description: 'Baled on the farm',
  productType: 'HEMP_FIBRE',
  quantityKg: 10,
  pricePerKg: '45.50',
  province: 'GAUTENG',
  certifications: ['organic'],
  socialImpact: { smallScaleFarmer: true, womenOwned: false, youthOwned: false, communityOwned: false, beeLevel: 2 },
  ...overrides,
});
