import type { EntityManager } from 'typeorm';
import { ProductType } from '#platform/infra/schema/shared-types';
import { exactWithin, lastSqlScore, SCORE_AGREEMENT, selectCandidates, type CandidateRow } from './match.candidates';
import { resolveWeights } from './match.scoring';

/**
 * The check that ends selectCandidates' loop (the statement itself is tested against a full scan
 * in test/listings-matching.pruning.int.test.ts): a result is accepted only when its K-th score is
 * at least the threshold the statement pruned with, or when the statement read every row.
 */
function row(id: number, score: number): CandidateRow {
  return {
    id: `00000000-0000-4000-8000-${String(id).padStart(12, '0')}`,
    match_price: 10,
    match_available: 10,
    match_province: 3,
    match_certifications: 0,
    social_impact_score: 0,
    created_at: new Date(0),
    confirmed_orders: 0,
    score,
  };
}

function last(threshold: number | string) {
  return {
    id: null,
    reference_price: 100,
    reference_computed: false,
    reference_version: '1',
    reference_count: 3,
    threshold,
  };
}

/** A manager whose statements answer `answers` in turn; records the threshold ($13) each was given. */
function manager(answers: unknown[][]) {
  const thresholds: unknown[] = [];
  const em = {
    connection: { options: {} },
    query: async (_sql: string, params: unknown[]) => {
      thresholds.push(params[12]);
      return answers[thresholds.length - 1];
    },
  } as unknown as EntityManager;
  return { em, thresholds };
}

const request = {
  buyerId: '00000000-0000-4000-8000-000000000000',
  productType: ProductType.HEMP_SEED,
  quantityKg: '10',
  maxPrice: null,
  province: null,
  weights: resolveWeights(null),
  limit: 2,
  knownReference: null,
};

describe('selectCandidates', () => {
  it('accepts the first answer when its K-th score reaches the threshold', async () => {
    const { em, thresholds } = manager([[row(1, 0.9), row(2, 0.8), last(0.8)]]);
    const out = await selectCandidates(em, request);
    expect(out.rows).toHaveLength(2);
    expect(out.reference).toEqual({ price: 100, computed: false, version: '1', listingCount: 3 });
    expect(thresholds).toEqual([null]);
  });

  it('accepts fewer than K rows only when every row was read', async () => {
    const { em, thresholds } = manager([[row(1, 0.9), last('-Infinity')]]);
    expect((await selectCandidates(em, request)).rows).toHaveLength(1);
    expect(thresholds).toEqual([null]);
  });

  it('runs again with the K-th score read when the check fails, then reads every row', async () => {
    const { em, thresholds } = manager([
      [row(1, 0.9), row(2, 0.5), last(0.7)],
      [row(1, 0.9), row(3, 0.4), last(0.5)],
      [row(1, 0.9), row(4, 0.45), last(-Infinity)],
    ]);
    const out = await selectCandidates(em, request);
    expect(thresholds).toEqual([null, 0.5, '-Infinity']);
    expect(out.rows.map((r) => r.score)).toEqual([0.9, 0.45]);
  });

  it('reads every row next when a finite threshold left fewer than K rows', async () => {
    const { em, thresholds } = manager([
      [row(1, 0.9), last(0.7)],
      [row(1, 0.9), row(2, 0.1), last(-Infinity)],
    ]);
    expect((await selectCandidates(em, request)).rows).toHaveLength(2);
    expect(thresholds).toEqual([null, '-Infinity']);
  });
});

describe('exactWithin', () => {
  const kept = (...scores: number[]) => scores.map((score) => ({ score }));

  it('holds when no pre-selection stopped at its K (it returned every row)', () => {
    expect(exactWithin(kept(0.9), 20, [{ rows: 5, limit: 40, lastScore: 0.1 }])).toBe(true);
    expect(exactWithin([], 20, [{ rows: 0, limit: 40, lastScore: null }])).toBe(true);
  });

  it('holds when the last kept score is above every stopped cut by more than the agreement', () => {
    const top = kept(0.9, 0.8, 0.7);
    expect(exactWithin(top, 3, [{ rows: 40, limit: 40, lastScore: 0.5 }])).toBe(true);
    expect(exactWithin(top, 3, [{ rows: 40, limit: 40, lastScore: 0.7 - 2 * SCORE_AGREEMENT }])).toBe(true);
  });

  it('fails on a tie or near tie with a cut, a short top, or any stopped cut that is too close', () => {
    const top = kept(0.9, 0.8, 0.7);
    expect(exactWithin(top, 3, [{ rows: 40, limit: 40, lastScore: 0.7 }])).toBe(false);
    expect(exactWithin(top, 3, [{ rows: 40, limit: 40, lastScore: 0.7 - SCORE_AGREEMENT / 2 }])).toBe(false);
    expect(exactWithin(kept(0.9, 0.8), 3, [{ rows: 2, limit: 2, lastScore: 0.8 }])).toBe(false);
    expect(
      exactWithin(top, 3, [
        { rows: 40, limit: 40, lastScore: 0.1 },
        { rows: 40, limit: 40, lastScore: 0.7 },
      ]),
    ).toBe(false);
  });

  it('reads the lowest SQL score whatever order the rows came in', () => {
    expect(lastSqlScore([{ score: '0.4' }, { score: 0.2 }, { score: 0.9 }])).toBe(0.2);
    expect(lastSqlScore([])).toBeNull();
  });
});
