import { Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { BadUserInputError } from '../errors';
import { PageInfo } from './shared-types';

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
export function ConnectionType<T extends object>(name: string, node: ClassType<T>, options: { totalCountDescription?: string } = {}) {
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

export function decodeCursor(cursor: string | null | undefined, arity: number): (string | number)[] | null {
  if (!cursor) return null;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(values) && values.length === arity && values.every((v) => typeof v === 'string' || typeof v === 'number')) {
      return values as (string | number)[];
    }
  } catch {
    // fall through to the error below
  }
  throw new BadUserInputError('after is not a cursor this API issued', 'after');
}

/** Builds a connection from `limit + 1` fetched rows (the extra row tells whether a next page exists). */
export function toConnection<T>(rows: T[], limit: number, totalCount: number, cursorOf: (row: T) => string): Connection<T> {
  const page = rows.slice(0, limit);
  const edges = page.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > limit, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
    totalCount,
  };
}
