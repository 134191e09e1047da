import type { ExchangeRecord } from './datasets';
import { intParam, type SimulatorDefinition } from './sim-definition';

function encodeCursor(index: number): string {
  return Buffer.from(JSON.stringify({ i: index })).toString('base64url');
}

function decodeCursor(cursor: string): number | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { i?: unknown };
    return typeof value.i === 'number' && Number.isInteger(value.i) && value.i >= 0 ? value.i : null;
  } catch {
    return null;
  }
}

/**
 * SA Cannabis Exchange: cursor pagination, grams and cents per gram, product codes, a town but no
 * province. API key in `X-Api-Key`.
 */
export function saCannabisExchange(records: ExchangeRecord[]): SimulatorDefinition {
  return {
    slug: 'sa-cannabis-exchange',
    name: 'SA Cannabis Exchange',
    credentialOf(req) {
      const key = req.headers['x-api-key'];
      return Array.isArray(key) ? key[0] : key;
    },
    unauthorized: { status: 403, body: { code: 'FORBIDDEN', message: 'Unknown API key' } },
    handle(url, state) {
      if (url.pathname !== '/api/v2/offers') return null;
      const limit = intParam(url, 'limit', 100, 1, 200);
      if (limit === null) return { status: 400, body: { code: 'BAD_LIMIT', message: 'limit must be within 1..200' } };
      const cursor = url.searchParams.get('cursor');
      let start = 0;
      if (cursor) {
        const after = decodeCursor(cursor);
        if (after === null) return { status: 400, body: { code: 'BAD_CURSOR', message: 'cursor not recognised' } };
        start = after + 1;
      }
      const offers: unknown[] = [];
      let index = start;
      let last = -1;
      for (; index < records.length && offers.length < limit; index++) {
        const r = records[index];
        if (state.withdrawn.has(r.id)) continue;
        offers.push(state.isMalformed(r.id) ? corrupt(r) : r);
        last = index;
      }
      let more = false;
      for (let j = index; j < records.length; j++) {
        if (!state.withdrawn.has(records[j].id)) {
          more = true;
          break;
        }
      }
      return {
        status: 200,
        body: { offers, count: offers.length, next_cursor: more && last >= 0 ? encodeCursor(last) : null },
      };
    },
  };
}

function corrupt(r: ExchangeRecord): unknown {
  switch (r.id.charCodeAt(r.id.length - 1) % 4) {
    case 0:
      return { ...r, product_code: 'ZZZ-UNLISTED' };
    case 1:
      return { ...r, price_cents_per_g: -5 };
    case 2:
      return { ...r, quantity_g: null };
    default: {
      const { seller: _seller, ...rest } = r;
      return rest;
    }
  }
}
