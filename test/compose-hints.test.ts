import { parse } from 'graphql';
import { composeAll, composeSubgraphs, hintWarnings } from '../scripts/compose-lib';

const FED = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])`;

/** Two subgraphs that compose, but with a shareable field nullable in one and not in the other: a hint. */
const HINTED = [
  {
    name: 'a',
    url: 'http://a.invalid/graphql',
    typeDefs: parse(`${FED}
      type Query { a: Money }
      type Money @shareable { amount: Int! }`),
  },
  {
    name: 'b',
    url: 'http://b.invalid/graphql',
    typeDefs: parse(`${FED}
      type Query { b: Money }
      type Money @shareable { amount: Int }`),
  },
];

/**
 * Hints this project's composition is known to give, each with the reason it is accepted. Empty:
 * a new hint fails this test, so it is seen and either fixed or listed here with its reason.
 */
const ACCEPTED_HINTS: Array<{ code: string; message: string }> = [];

describe('composition hints stay visible', () => {
  it('keeps the hints composition gives instead of dropping them', () => {
    const { hints } = composeSubgraphs(HINTED);
    expect(hints).toEqual([expect.objectContaining({ code: 'INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE', level: 'INFO' })]);
    expect(hints[0].message).toContain('Money.amount');
  });

  it('prints each hint as a warning line for `npm run compose` and `--check`', () => {
    const lines = hintWarnings(composeSubgraphs(HINTED).hints);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^warning: composition hint \[INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE\] \(INFO\): .*Money\.amount/,
    );
    expect(hintWarnings([])).toEqual([]);
  });

  it("reports every hint the project's own subgraphs give, and gives none that is not accepted", async () => {
    const { hints } = await composeAll();
    const unexpected = hints.filter((h) => !ACCEPTED_HINTS.some((a) => a.code === h.code && a.message === h.message));
    if (unexpected.length)
      throw new Error(`composition gave hints nobody accepted:\n${hintWarnings(unexpected).join('\n')}`);
  });
});
