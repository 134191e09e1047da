import { auditHash, canonicalJson, GENESIS_HASH } from './audit.service';

describe('audit hashing', () => {
  const row = {
    sequence: 7,
    at: new Date('2024-11-22T10:00:00.123Z'),
    actorId: '5b2f7a10-1c1e-4f36-9a51-3d2f0e6b0a01',
    action: 'consent.granted',
    subjectId: null,
    details: { b: [1, { y: 2, x: 1 }], a: 'x' },
  };

  it('serialises objects with sorted keys at every level, so stored jsonb rehashes identically', () => {
    expect(canonicalJson({ b: [1, { y: 2, x: 1 }], a: 'x', skip: undefined })).toBe('{"a":"x","b":[1,{"x":1,"y":2}]}');
    expect(auditHash(GENESIS_HASH, row)).toBe(
      auditHash(GENESIS_HASH, { ...row, details: { a: 'x', b: [1, { x: 1, y: 2 }] } }),
    );
  });

  it('changes with every field and with the previous hash', () => {
    const base = auditHash(GENESIS_HASH, row);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    const variants = [
      auditHash('1'.repeat(64), row),
      auditHash(GENESIS_HASH, { ...row, sequence: 8 }),
      auditHash(GENESIS_HASH, { ...row, at: new Date('2024-11-22T10:00:00.124Z') }),
      auditHash(GENESIS_HASH, { ...row, actorId: null }),
      auditHash(GENESIS_HASH, { ...row, action: 'consent.withdrawn' }),
      auditHash(GENESIS_HASH, { ...row, subjectId: row.actorId }),
      auditHash(GENESIS_HASH, { ...row, details: { ...row.details, a: 'y' } }),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});
