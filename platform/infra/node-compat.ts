import util from 'node:util';

/**
 * graphql-shield 7.6.5 (the newest) calls `util.isUndefined` in its `chain` and `race` rules. Node
 * deprecated that helper long ago and removed it in Node 23, so on Node 24 every chained rule (the
 * rate-limited fields: login, register, refresh, consent) threw "isUndefined is not a function"
 * and the field failed with INTERNAL_SERVER_ERROR. Put back exactly what it did; remove this file
 * once graphql-shield stops using it (test/node-compat.test.ts says when).
 */
const legacy = util as unknown as { isUndefined?: (value: unknown) => boolean };
if (typeof legacy.isUndefined !== 'function') legacy.isUndefined = (value: unknown) => value === undefined;
