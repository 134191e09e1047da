import type { EntityManager } from 'typeorm';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { NormalisedLicence, NormalisedOffer } from '../connector/connector';
import type { SourceCrawlOutcome } from './crawl.fetch';

const UPSERT_CHUNK = 1000;
/** Offers (and gone ids) per `external.offers.crawled` event; the catalogue allows 500. */
export const EVENT_CHUNK = 500;

/**
 * The end of one source's crawl, in one transaction: upsert what was found by (source, externalId),
 * mark what disappeared as gone, keep the rejections, record the result, and write
 * `external.offers.crawled` (transactional outbox): the events exist exactly when the offers do.
 */
export async function commitSourceCrawl(deps: SubgraphDeps, o: SourceCrawlOutcome): Promise<void> {
  await deps.db.dataSource.transaction(async (m) => {
    const now = new Date();
    let gone = 0;
    if (o.error === null) {
      if (o.produces === 'offers') {
        const stored: StoredOffer[] = [];
        for (let i = 0; i < o.offers.length; i += UPSERT_CHUNK)
          stored.push(...(await upsertOffers(m, o, o.offers.slice(i, i + UPSERT_CHUNK), now)));
        const goneIds = o.complete ? await markGone(m, 'external_offers', o) : [];
        gone = goneIds.length;
        await addCrawledEvents(deps, m, o, stored, goneIds, now);
      } else {
        for (let i = 0; i < o.licences.length; i += UPSERT_CHUNK)
          await upsertLicences(m, o, o.licences.slice(i, i + UPSERT_CHUNK), now);
        if (o.complete) gone = (await markGone(m, 'licences', o)).length;
      }
    }
    for (let i = 0; i < o.rejections.length; i += UPSERT_CHUNK) {
      await m.query(
        `INSERT INTO external.crawl_rejections (crawl_run_id, data_source_id, external_id, reason, record)
         SELECT $1, $2, r.external_id, r.reason, r.record FROM jsonb_to_recordset($3::jsonb) AS r(external_id text, reason text, record jsonb)`,
        [
          o.runId,
          o.source.id,
          JSON.stringify(
            o.rejections
              .slice(i, i + UPSERT_CHUNK)
              .map((r) => ({ external_id: r.externalId, reason: r.reason, record: r.record })),
          ),
        ],
      );
    }
    const normalized = o.error === null ? o.offers.length + o.licences.length : 0;
    await m.query(
      `UPDATE external.crawl_source_results
       SET status = $3, fetched = $4, normalized = $5, rejected = $6, gone = $7, pages = $8, retries = $9, duration_ms = $10, error = $11, finished_at = now()
       WHERE crawl_run_id = $1 AND data_source_id = $2`,
      [
        o.runId,
        o.source.id,
        o.error === null ? 'SUCCEEDED' : 'FAILED',
        o.fetched,
        normalized,
        o.rejected,
        gone,
        o.pages,
        o.retries,
        o.durationMs,
        o.error ?? o.note,
      ],
    );
  });
}

/**
 * One source's crawl as `external.offers.crawled` events, at most EVENT_CHUNK offers and
 * EVENT_CHUNK gone ids each, in order. Only non-personal fields travel: no supplier names,
 * towns or licence numbers.
 */
async function addCrawledEvents(
  deps: SubgraphDeps,
  m: EntityManager,
  o: SourceCrawlOutcome,
  stored: StoredOffer[],
  goneIds: string[],
  crawledAt: Date,
): Promise<void> {
  const chunkCount = Math.max(1, Math.ceil(stored.length / EVENT_CHUNK), Math.ceil(goneIds.length / EVENT_CHUNK));
  const fetchedAt = crawledAt.toISOString();
  for (let chunkIndex = 0; chunkIndex < chunkCount; chunkIndex++) {
    const slice = stored.slice(chunkIndex * EVENT_CHUNK, (chunkIndex + 1) * EVENT_CHUNK);
    await deps.outbox.add(m, {
      type: 'external.offers.crawled',
      payload: {
        crawlRunId: o.runId,
        dataSourceId: o.source.id,
        fetched: o.fetched,
        normalized: o.offers.length,
        rejected: o.rejected,
        offers: slice.map(({ id, offer }) => ({
          offerId: id,
          externalId: offer.externalId,
          productType: offer.productType,
          quantityKg: Number(offer.quantityKg),
          pricePerKg: offer.pricePerKg,
          province: offer.province,
          // the connectors bound these already; the catalogue's limits must never fail a crawl
          certifications: offer.certifications.slice(0, 50).map((c) => c.slice(0, 100)),
          fetchedAt,
        })),
        requiredAccessLevel: o.source.requiredAccessLevel,
        goneOfferIds: goneIds.slice(chunkIndex * EVENT_CHUNK, (chunkIndex + 1) * EVENT_CHUNK),
        crawledAt: fetchedAt,
        complete: o.complete,
        chunkIndex,
        chunkCount,
      },
    });
  }
}

/** An offer as stored: the normalised record with the id external-sources gave it. */
interface StoredOffer {
  id: string;
  offer: NormalisedOffer;
}

async function upsertOffers(
  m: EntityManager,
  o: SourceCrawlOutcome,
  offers: NormalisedOffer[],
  now: Date,
): Promise<StoredOffer[]> {
  const rows = offers.map((x) => ({
    external_id: x.externalId,
    supplier_name: x.supplierName,
    product_type: x.productType,
    quantity_kg: x.quantityKg,
    price_per_kg: x.pricePerKg,
    province: x.province,
    town: x.town,
    certifications: x.certifications,
    licence_number: x.licenceNumber,
  }));
  const returned = await m.query(
    `INSERT INTO external.external_offers
       (data_source_id, external_id, supplier_name, product_type, quantity_kg, price_per_kg, province, town, certifications, licence_number, fetched_at, first_seen_at, last_crawl_run_id)
     SELECT $1, r.external_id, r.supplier_name, r.product_type, r.quantity_kg, r.price_per_kg, r.province, r.town, r.certifications, r.licence_number, $3, $3, $4
     FROM jsonb_to_recordset($2::jsonb) AS r(external_id text, supplier_name text, product_type text, quantity_kg numeric, price_per_kg numeric,
                                            province text, town text, certifications text[], licence_number text)
     ON CONFLICT (data_source_id, external_id) DO UPDATE SET
       supplier_name = EXCLUDED.supplier_name, product_type = EXCLUDED.product_type, quantity_kg = EXCLUDED.quantity_kg,
       price_per_kg = EXCLUDED.price_per_kg, province = EXCLUDED.province, town = EXCLUDED.town,
       certifications = EXCLUDED.certifications, licence_number = EXCLUDED.licence_number,
       fetched_at = EXCLUDED.fetched_at, last_crawl_run_id = EXCLUDED.last_crawl_run_id, gone_at = NULL
     RETURNING id, external_id`,
    [o.source.id, JSON.stringify(rows), now, o.runId],
  );
  const ids = new Map<string, string>(
    (returned as Array<{ id: string; external_id: string }>).map((r) => [r.external_id, r.id]),
  );
  return offers.map((offer) => ({ id: ids.get(offer.externalId) as string, offer }));
}

async function upsertLicences(
  m: EntityManager,
  o: SourceCrawlOutcome,
  licences: NormalisedLicence[],
  now: Date,
): Promise<void> {
  const rows = licences.map((x) => ({
    licence_number: x.externalId,
    holder_name: x.holderName,
    licence_type: x.licenceType,
    province: x.province,
    status: x.status,
    issued_on: x.issuedOn,
    expires_on: x.expiresOn,
  }));
  await m.query(
    `INSERT INTO external.licences (data_source_id, licence_number, holder_name, licence_type, province, status, issued_on, expires_on, fetched_at, last_crawl_run_id)
     SELECT $1, r.licence_number, r.holder_name, r.licence_type, r.province, r.status, r.issued_on, r.expires_on, $3, $4
     FROM jsonb_to_recordset($2::jsonb) AS r(licence_number text, holder_name text, licence_type text, province text, status text, issued_on date, expires_on date)
     ON CONFLICT (data_source_id, licence_number) DO UPDATE SET
       holder_name = EXCLUDED.holder_name, licence_type = EXCLUDED.licence_type, province = EXCLUDED.province, status = EXCLUDED.status,
       issued_on = EXCLUDED.issued_on, expires_on = EXCLUDED.expires_on, fetched_at = EXCLUDED.fetched_at,
       last_crawl_run_id = EXCLUDED.last_crawl_run_id, gone_at = NULL`,
    [o.source.id, JSON.stringify(rows), now, o.runId],
  );
}

/**
 * Rows of this source that the completed crawl did not see are gone (kept for history, no longer
 * offered). A record the source still lists but sent malformed is not gone: it keeps its last good
 * copy, whose fetchedAt shows its age. Returns the keys of the rows marked (offer ids, licence numbers).
 */
async function markGone(
  m: EntityManager,
  table: 'external_offers' | 'licences',
  o: SourceCrawlOutcome,
): Promise<string[]> {
  const idColumn = table === 'external_offers' ? 'external_id' : 'licence_number';
  const keyColumn = table === 'external_offers' ? 'id::text' : 'licence_number';
  const rows: Array<{ key: string }> = await m.query(
    `WITH gone AS (
       UPDATE external.${table} SET gone_at = now()
       WHERE data_source_id = $1 AND gone_at IS NULL AND last_crawl_run_id <> $2 AND ${idColumn} <> ALL($3::text[])
       RETURNING ${keyColumn} AS key)
     SELECT key FROM gone`,
    [o.source.id, o.runId, [...o.rejectedIds]],
  );
  return rows.map((r) => r.key);
}
