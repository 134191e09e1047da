import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { catalogueCount, cataloguePage } from '../subgraphs/listings-matching/modules/listing/listing.catalogue';
import { ListingSort } from '../subgraphs/listings-matching/modules/listing/listing-status';
import type { Viewer } from '#platform/infra/auth/viewer';

/**
 * EXPLAIN (ANALYZE, BUFFERS) of every statement the catalogue sends, exactly as the code builds
 * them, against a seeded database (`npm run seed -- --listings 1000000`):
 *
 *   DATABASE_URL=postgres://…/seeded node dist/bench/bench/catalogue-explain.js
 */
async function main() {
  const ds = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL });
  await ds.initialize();
  const [{ n }] = await ds.query(`SELECT count(*)::int AS n FROM listings.listings`);
  const [{ seller }] = await ds.query(
    `SELECT seller_id AS seller FROM listings.listings WHERE status <> 'ACTIVE' LIMIT 1`,
  );
  const explained: Array<{ label: string; sql: string; plan: string }> = [];
  let label = '';
  // Every statement is explained instead of run; the catalogue code gets the real rows back.
  const spy = {
    query: async (sql: string, params: unknown[]) => {
      if (sql.startsWith('EXPLAIN')) {
        explained.push({ label, sql, plan: '(the estimate itself: planning only, nothing executed)' });
        return ds.query(sql, params);
      }
      const plan = (await ds.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params))
        .map((r: Record<string, string>) => r['QUERY PLAN'])
        .join('\n');
      explained.push({ label, sql, plan });
      return ds.query(sql, params);
    },
  } as unknown as DataSource;
  const signedIn: Viewer = { userId: seller, roles: ['SELLER'] } as unknown as Viewer;
  const cases: Array<[string, Viewer | null, Record<string, unknown> | undefined, ListingSort]> = [
    ['anonymous, newest', null, undefined, ListingSort.NEWEST],
    ['signed-in seller with drafts, newest', signedIn, undefined, ListingSort.NEWEST],
    ['signed-in seller, price ascending', signedIn, undefined, ListingSort.PRICE_ASC],
    ['anonymous, product type + province', null, { productType: 'HEMP_SEED', province: 'GAUTENG' }, ListingSort.NEWEST],
    ['anonymous, text search', null, { text: 'organic seed' }, ListingSort.NEWEST],
  ];
  for (const [name, viewer, filter, sort] of cases) {
    label = `${name}: page`;
    await cataloguePage(spy, { viewer, filter: filter as never, sort, limit: 20 });
    label = `${name}: totalCount`;
    await catalogueCount(spy, { viewer, filter: filter as never });
  }
  process.stdout.write(`# catalogue statements at ${n.toLocaleString('en')} listings\n\n`);
  for (const e of explained) process.stdout.write(`## ${e.label}\n\n${e.sql.replace(/\s+/g, ' ')}\n\n${e.plan}\n\n`);
  await ds.destroy();
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
