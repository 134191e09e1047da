import { z } from 'zod';
import { accessLevel, spec, timestamp, uuid } from '#platform/contracts/events/fields';

/** Consent events, written by identity-consent. */
export const CONSENT_EVENTS = {
  'consent.granted': spec({
    version: 1,
    aggregateType: 'consent',
    aggregateId: (p) => p.consentId,
    payload: z.object({
      consentId: uuid,
      userId: uuid,
      dataSourceId: uuid,
      accessLevel,
      consentVersion: z.string().max(64),
      expiresAt: timestamp.nullable(),
    }),
    description: 'A user granted consent to use a data source.',
  }),
  'consent.withdrawn': spec({
    version: 1,
    aggregateType: 'consent',
    aggregateId: (p) => p.consentId,
    payload: z.object({ consentId: uuid, userId: uuid, dataSourceId: uuid }),
    description:
      'A user withdrew a consent. Consumers must not rely on it for access checks (consent is checked live).',
  }),
} as const;
