import { MATCH, errorOf, listingsCalls, startListingsStack, type User } from './helpers/listings-matching';
import type { TestStack } from './helpers/stack';

/** requestMatches through the gateway: who may ask, and the ranking, scores and explanations. */
let t: TestStack;
let sellerA: User;
let sellerB: User;
let buyer1: User;
let tokens: Record<string, string>;
const { entities } = listingsCalls(() => t);

beforeAll(async () => {
  ({ t, sellerA, sellerB, buyer1, tokens } = await startListingsStack());
});

afterAll(async () => {
  await t?.stop();
});

describe('requestMatches', () => {
  /** Listings straight into the table: ranking tests need many, with exact attributes. */
  async function insertListing(values: Record<string, unknown>): Promise<string> {
    const v = {
      seller_id: sellerA.id,
      title: 'Match fixture',
      product_type: 'CANNABIS_EXTRACT',
      quantity_kg: 100,
      available_kg: 100,
      price_per_kg: '100.00',
      province: 'GAUTENG',
      certifications: [],
      small_scale_farmer: false,
      women_owned: false,
      social_impact_score: 0,
      status: 'ACTIVE',
      ...values,
    } as Record<string, unknown>;
    const cols = Object.keys(v);
    const [row] = await t.stack.subgraphs['listings-matching'].deps.db.dataSource.query(
      `INSERT INTO listings.listings (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      Object.values(v),
    );
    return row.id;
  }

  const match = (input: Record<string, unknown>, token = tokens.buyer1) =>
    t.gql(MATCH, { input: { quantityKg: 50, ...input } }, { token });

  it('refuses anonymous callers, non-buyers and invalid input', async () => {
    const input = { productType: 'HEMP_FIBRE', quantityKg: 10 };
    expect(errorOf(await t.gql(MATCH, { input })).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await t.gql(MATCH, { input }, { token: tokens.sellerA })).code).toBe('FORBIDDEN');
    expect(errorOf(await match({ productType: 'HEMP_FIBRE', weights: { price: -1 } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.weights.price',
    });
    expect(
      errorOf(
        await match({
          productType: 'HEMP_FIBRE',
          weights: { price: 0, distance: 0, quantity: 0, quality: 0, socialImpact: 0 },
        }),
      ),
    ).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.weights',
    });
    expect(errorOf(await match({ productType: 'HEMP_FIBRE', quantityKg: 0 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.quantityKg',
    });
    expect(errorOf(await match({ productType: 'HEMP_FIBRE', maxPricePerKg: 'ten' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.maxPricePerKg',
    });
  });

  it('ranks only ACTIVE listings with stock, within the maximum price, never the buyer’s own, with explained scores', async () => {
    const productType = 'CANNABIS_FLOWER';
    const good = await insertListing({ product_type: productType, price_per_kg: '80.00', certifications: ['organic'] });
    const pricey = await insertListing({ product_type: productType, price_per_kg: '500.00' });
    const hidden = await Promise.all([
      insertListing({ product_type: productType, status: 'PAUSED' }),
      insertListing({ product_type: productType, status: 'DRAFT' }),
      insertListing({ product_type: productType, status: 'SOLD_OUT', available_kg: 0 }),
      insertListing({ product_type: productType, seller_id: buyer1.id }),
    ]);
    const res = await match({ productType, province: 'GAUTENG', maxPricePerKg: '200', includeExternal: true });
    expect(res.body.errors).toBeUndefined();
    const request = res.body.data.requestMatches;
    expect(request.includeExternal).toBe(true);
    expect(request.referencePricePerKg.amount).toBe('200.00');
    const ids = request.matches.map((m: any) => m.listing.id);
    expect(ids).toContain(good);
    expect(ids).not.toContain(pricey);
    for (const id of hidden) expect(ids).not.toContain(id);
    const weights = request.weights;
    expect(weights.price + weights.distance + weights.quantity + weights.quality + weights.socialImpact).toBeCloseTo(
      1,
      10,
    );
    for (const m of request.matches) {
      expect(m.source).toBe('INTERNAL');
      expect(m.externalOffer).toBeNull();
      const b = m.breakdown;
      for (const v of Object.values(b) as number[]) expect(v >= 0 && v <= 1).toBe(true);
      // scores leave the API rounded to 4 decimal places (documented on Match.score)
      for (const v of [m.score, ...(Object.values(b) as number[])]) expect(Number(v.toFixed(4))).toBe(v);
      const expected =
        weights.price * b.price +
        weights.distance * b.distance +
        weights.quantity * b.quantity +
        weights.quality * b.quality +
        weights.socialImpact * b.socialImpact;
      expect(Math.abs(m.score - expected)).toBeLessThanOrEqual(0.0002);
      expect(m.explanation).toMatch(/R\d+\.\d{2}\/kg/);
    }
    const top = request.matches.find((m: any) => m.listing.id === good);
    expect(top.breakdown.distance).toBe(1);
    expect(top.explanation).toContain('In your province (Gauteng)');
  });

  it('never ranks a cheaper, otherwise equal listing below the dearer one', async () => {
    const productType = 'CBD_ISOLATE';
    const provinces = ['GAUTENG', 'LIMPOPO', 'WESTERN_CAPE', 'KWAZULU_NATAL'];
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < 12; i++) {
      const common = {
        product_type: productType,
        province: provinces[i % provinces.length],
        available_kg: 10 + i * 7,
        quantity_kg: 200,
        certifications: i % 3 ? ['organic'] : [],
        social_impact_score: (i % 5) / 5,
      };
      const dear = await insertListing({ ...common, price_per_kg: (100 + i * 9).toFixed(2) });
      const cheap = await insertListing({ ...common, price_per_kg: (100 + i * 9 - 1 - (i % 4)).toFixed(2) });
      pairs.push([cheap, dear]);
    }
    for (const weights of [undefined, { price: 0.01 }, { price: 5, distance: 0 }]) {
      const res = await match({ productType, quantityKg: 60, province: 'GAUTENG', weights }, tokens.buyer2);
      expect(res.body.errors).toBeUndefined();
      const rank = new Map<string, number>(
        res.body.data.requestMatches.matches.map((m: any, i: number) => [m.listing.id, i]),
      );
      for (const [cheap, dear] of pairs) {
        if (!rank.has(dear)) continue;
        expect(rank.has(cheap)).toBe(true);
        expect(rank.get(cheap)!).toBeLessThan(rank.get(dear)!);
      }
    }
  });

  it('stores the request, its matches and its event in one statement, and reads no listing again for Match.listing', async () => {
    const productType = 'SEEDLINGS';
    const db = t.stack.subgraphs['listings-matching'].deps.db.dataSource;
    const statementsOf = async (count: number) => {
      await Promise.all(
        Array.from({ length: count }, (_, i) =>
          insertListing({ product_type: productType, price_per_kg: `${60 + i}.00`, title: `Seedlings ${i}` }),
        ),
      );
      const before = t.statements('listings-matching');
      // With a maximum price the reference is that price: no median is computed, so none is stored after.
      const res = await match({ productType, quantityKg: 5, maxPricePerKg: '500' });
      const used = t.statements('listings-matching') - before;
      expect(res.body.errors).toBeUndefined();
      return { used, request: res.body.data.requestMatches };
    };
    const few = await statementsOf(2);
    const many = await statementsOf(10);
    expect(many.request.matches).toHaveLength(12);
    // BEGIN; its settings; the pre-selection; the kept listings in full; the request, matches and
    // event; COMMIT. The same with 2 matches as with 12.
    expect(few.used).toBe(6);
    expect(many.used).toBe(6);
    const { id, matches } = many.request;
    expect(matches.every((m: any) => m.listing.title.startsWith('Seedlings'))).toBe(true);
    const [stored] = await db.query(
      `SELECT r.buyer_id, (SELECT count(*)::int FROM listings.match_results m WHERE m.match_request_id = r.id) AS n
         FROM listings.match_requests r WHERE r.id = $1`,
      [id],
    );
    expect(stored).toEqual({ buyer_id: buyer1.id, n: 12 });
    const [event] = await db.query(
      `SELECT payload FROM listings.outbox WHERE type = 'match.requested' AND payload->>'matchRequestId' = $1`,
      [id],
    );
    expect(event.payload).toMatchObject({ buyerId: buyer1.id, resultCount: 12, criteria: { productType } });
  });

  it('ignores social impact when its weight is zero, and breaks ties deterministically', async () => {
    const productType = 'SEEDLINGS';
    // identical but for social impact, created in this order
    const ids: string[] = [];
    const base = Date.now() - 60_000;
    // the first two share a creation time, so only their ids can order them
    const createdAt = [base, base, base + 1000, base + 2000].map((ms) => new Date(ms));
    for (let i = 0; i < 4; i++) {
      ids.push(
        await insertListing({
          product_type: productType,
          social_impact_score: i * 0.25,
          women_owned: i > 0,
          price_per_kg: '60.00',
          seller_id: sellerB.id,
          created_at: createdAt[i],
        }),
      );
    }
    const tieOrder = [ids[0] < ids[1] ? ids[0] : ids[1], ids[0] < ids[1] ? ids[1] : ids[0], ids[2], ids[3]];
    const withImpact = (await match({ productType, province: 'GAUTENG' })).body.data.requestMatches.matches.filter(
      (m: any) => ids.includes(m.listing.id),
    );
    expect(withImpact.map((m: any) => m.listing.id)).toEqual([...ids].reverse());

    const ignored = await match({ productType, province: 'GAUTENG', weights: { socialImpact: 0 } });
    const matches = ignored.body.data.requestMatches.matches.filter((m: any) => ids.includes(m.listing.id));
    expect(ignored.body.data.requestMatches.weights.socialImpact).toBe(0);
    expect(new Set(matches.map((m: any) => m.score)).size).toBe(1);
    // equal scores: the order is by price, then age, then id, the same on every request
    expect(matches.map((m: any) => m.listing.id)).toEqual(tieOrder);
    const again = await match({ productType, province: 'GAUTENG', weights: { socialImpact: 0 } });
    expect(again.body.data.requestMatches.matches.map((m: any) => m.listing.id)).toEqual(
      ignored.body.data.requestMatches.matches.map((m: any) => m.listing.id),
    );
  });

  it('shows a match request to its buyer and ADMIN only, also through _entities', async () => {
    const created = (await match({ productType: 'HEMP_FIBRE' })).body.data.requestMatches;
    const query = `query($id: ID!) { matchRequest(id: $id) { id productType matches { score listing { id } } } }`;
    const own = await t.gql(query, { id: created.id }, { token: tokens.buyer1 });
    expect(own.body.data.matchRequest).toMatchObject({ id: created.id, productType: 'HEMP_FIBRE' });
    expect(own.body.data.matchRequest.matches).toHaveLength(created.matches.length);
    expect((await t.gql(query, { id: created.id }, { token: tokens.admin })).body.data.matchRequest.id).toBe(
      created.id,
    );
    expect((await t.gql(query, { id: created.id }, { token: tokens.buyer2 })).body.data.matchRequest).toBeNull();
    expect(errorOf(await t.gql(query, { id: created.id })).code).toBe('UNAUTHENTICATED');
    const viaEntities = await entities(
      [{ __typename: 'MatchRequest', id: created.id }],
      '... on MatchRequest { id quantityKg }',
      tokens.buyer2,
    );
    expect(viaEntities.data?._entities).toEqual([null]);
  });
});
