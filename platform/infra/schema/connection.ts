import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { BadUserInputError } from '#platform/infra/errors';
import { PageInfo } from '#platform/infra/schema/shared-types';
import { isUuid } from '#platform/infra/schema/ids';

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  totalCount: number;
}

/** Declares `<Name>Connection` and `<Name>Edge` for a node type, in the shape API.md fixes. */
export function ConnectionType<T extends object>(
  name: string,
  node: ClassType<T>,
  options: { totalCountDescription?: string } = {},
) {
  @ObjectType(`${name}Edge`)
  class EdgeType {
    @Field()
    cursor: string;

    @Field(() => node)
    node: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionClass {
    @Field(() => [EdgeType])
    edges: EdgeType[];

    @Field(() => PageInfo)
    pageInfo: PageInfo;

    @Field(() => Int, { description: options.totalCountDescription })
    totalCount: number;
  }
  return ConnectionClass;
}

/** `first` is capped at 100; more is an error, never a silent cut. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new BadUserInputError(`first must be between 0 and ${MAX_PAGE_SIZE}`, 'first');
  }
  return first;
}

/** Opaque keyset cursors: the sort key values of the last row seen. */
export function encodeCursor(values: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * What each position of a cursor holds; a cursor is refused unless every value has its kind, so
 * nothing malformed reaches a SQL cast (where it would fail as a server error).
 */
export type CursorKind = 'timestamp' | 'uuid' | 'int' | 'decimal' | 'real' | 'hex';

const MAX_CURSOR_LENGTH = 512;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
const DECIMAL = /^\d{1,12}(\.\d{1,4})?$/;

function hasKind(value: unknown, kind: CursorKind): boolean {
  switch (kind) {
    case 'timestamp':
      return typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value));
    case 'uuid':
      return isUuid(value);
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    case 'decimal':
      return (
        (typeof value === 'string' && DECIMAL.test(value)) ||
        (typeof value === 'number' && Number.isFinite(value) && value >= 0)
      );
    case 'real':
      return typeof value === 'number' && Number.isFinite(value);
    case 'hex':
      return typeof value === 'string' && /^[0-9a-f]{1,128}$/.test(value);
  }
}

/** The cursor's values, checked against `kinds`; any other shape is BAD_USER_INPUT on `after`. */
export function decodeCursor<K extends readonly CursorKind[]>(
  cursor: string | null | undefined,
  kinds: K,
): { [I in keyof K]: K[I] extends 'int' | 'real' ? number : string } | null {
  if (cursor === null || cursor === undefined || cursor === '') return null;
  if (cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(cursor)) {
    try {
      const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
      if (Array.isArray(values) && values.length === kinds.length && values.every((v, i) => hasKind(v, kinds[i]))) {
        return values.map((v, i) => (kinds[i] === 'decimal' ? String(v) : v)) as never;
      }
    } catch {
      // fall through to the error below
    }
  }
  throw new BadUserInputError('after is not a cursor this API issued', 'after');
}

/** Builds a connection from `limit + 1` fetched rows (the extra row tells whether a next page exists). */
export function toConnection<T, N = T>(
  rows: T[],
  limit: number,
  totalCount: number,
  cursorOf: (row: T) => string,
  nodeOf: (row: T) => N = (row) => row as unknown as N,
): Connection<N> {
  const page = rows.slice(0, limit);
  // Cursors are encoded when a client selects them: most pages ask for `endCursor` alone, not an
  // edge's `cursor` (encoding every edge's cost a catalogue page 2-3 % of its subgraph CPU).
  const edges = page.map((row) => {
    let cursor: string | undefined;
    return {
      node: nodeOf(row),
      get cursor() {
        return (cursor ??= cursorOf(row));
      },
    };
  });
  const last = edges[edges.length - 1];
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > limit,
      get endCursor() {
        return last ? last.cursor : null;
      },
    },
    totalCount,
  };
}
