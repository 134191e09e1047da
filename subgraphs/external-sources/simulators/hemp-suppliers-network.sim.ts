import type { HsnRecord } from './datasets';
import { intParam, type SimulatorDefinition } from './sim-definition';

/**
 * Hemp Suppliers Network: JSON with page numbers, weights in tonnes, prices in rand per tonne,
 * free-text product names and provinces spelt however the supplier typed them. Bearer token auth.
 */
export function hempSuppliersNetwork(records: HsnRecord[]): SimulatorDefinition {
  return {
    slug: 'hemp-suppliers-network',
    name: 'Hemp Suppliers Network',
    credentialOf(req) {
      const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      return match?.[1];
    },
    unauthorized: {
      status: 401,
      body: { error: 'invalid_token', error_description: 'Bearer token missing or not recognised' },
      headers: { 'www-authenticate': 'Bearer' },
    },
    handle(url, state) {
      if (url.pathname !== '/v1/listings') return null;
      const page = intParam(url, 'page', 1, 1, 100_000);
      const perPage = intParam(url, 'per_page', 50, 1, 100);
      if (page === null || perPage === null)
        return { status: 400, body: { error: 'page must be >= 1 and per_page within 1..100' } };
      const visible = state.withdrawn.size ? records.filter((r) => !state.withdrawn.has(r.listing_ref)) : records;
      const totalPages = Math.max(1, Math.ceil(visible.length / perPage));
      const data = visible
        .slice((page - 1) * perPage, page * perPage)
        .map((r) => (state.isMalformed(r.listing_ref) ? corrupt(r) : r));
      return {
        status: 200,
        body: { page, per_page: perPage, total_pages: totalPages, total_items: visible.length, data },
      };
    },
  };
}

/** The kinds of broken record this partner actually sends. */
function corrupt(r: HsnRecord): unknown {
  switch (r.listing_ref.charCodeAt(r.listing_ref.length - 1) % 4) {
    case 0:
      return { ...r, quantity_tonnes: 'about twelve' };
    case 1: {
      const { price_zar_per_tonne: _price, ...rest } = r;
      return rest;
    }
    case 2:
      return { ...r, product: 'Mystery bale (ask)' };
    default:
      return { ...r, price_zar_per_tonne: -r.price_zar_per_tonne };
  }
}
