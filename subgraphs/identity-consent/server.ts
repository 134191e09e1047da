import 'reflect-metadata';
import { SECURITY_AUDIT_PATH } from '#platform/contracts/security-audit-client';
import { createTokenVerifier } from '#platform/infra/auth/viewer';
import { REVOCATIONS_PATH } from '#platform/infra/auth/revocation';
import { Revocation1732600000000 } from './migrations/1732600000000-Revocation';
import {
  closeRevocationPublisher,
  databaseRevocationSync,
  pruneRevocationLog,
  readRevocationLog,
} from './modules/auth/revocation.service';
import { ACTIVE_CONSENTS_PATH } from '#platform/contracts/consent-client';
import { PARTNER_RESOLVE_PATH } from '#platform/contracts/partner-client';
import { isUuid } from '#platform/infra/schema/ids';
import type { SubgraphModule } from '#platform/infra/service/subgraph';
import { InternalRouteError, signedRoute } from '#platform/infra/http/internal-http';
import { appendAlone } from './modules/audit/audit.service';
import { createIdentityLoaders, type IdentityLoaders } from './loaders';
import { CreateUsers1732233600000 } from './migrations/1732233600000-CreateUsers';
import { AuthConsentAudit1732320000000 } from './migrations/1732320000000-AuthConsentAudit';
import { CreateEventTables1732400000000 } from './migrations/1732400000000-CreateEventTables';
import { EventTraceMetadata1732610000000 } from './migrations/1732610000000-EventTraceMetadata';
import { DataSubjectRequests1732500000000 } from './migrations/1732500000000-DataSubjectRequests';
import {
  DataSubjectRequestEntity,
  DataSubjectRequestPartEntity,
} from './modules/data-subject/data-subject-request.entity';
import { resolveDataSubjectRequestReference } from './modules/data-subject/data-subject.reference';
import { DataSubjectRequestResolver } from './modules/data-subject/data-subject.resolver';
import { dataSubjectService } from './modules/data-subject/data-subject.service';
import { identityDataSubject } from './modules/data-subject/identity-subject.service';
import { AuditEventEntity } from './modules/audit/audit-event.entity';
import { AuditResolver } from './modules/audit/audit.resolver';
import { AuthResolver } from './modules/auth/auth.resolver';
import { signingKeys } from './modules/auth/keys';
import { RefreshTokenEntity } from './modules/auth/refresh-token.entity';
import { ConsentEntity } from './modules/consent/consent.entity';
import { resolveConsentReference } from './modules/consent/consent.reference';
import { ConsentResolver, UserConsentsResolver } from './modules/consent/consent.resolver';
import { activeConsents } from './modules/consent/consent.service';
import { PartnerClientEntity } from './modules/partner/partner-client.entity';
import { isKeyHash, resolvePartnerByKeyHash } from './modules/partner/partner.service';
import { PartnerClientResolver } from './modules/partner/partner.resolver';
import { ensureBootstrapAdmin } from './modules/user/bootstrap-admin';
import { UserEntity } from './modules/user/user.entity';
import { resolveUserReference } from './modules/user/user.reference';
import { UserResolver } from './modules/user/user.resolver';
import { identityPermissions } from './permissions';
import { closeRateLimitStore, identityRateLimits } from './rate-limits';

/** The longest a revocation read is held, whatever the caller asks. */
const MAX_REVOCATION_WAIT_MS = 10_000;

export const identityConsentSubgraph: SubgraphModule<IdentityLoaders> = {
  name: 'identity-consent',
  dbSchema: 'identity',
  entities: [
    UserEntity,
    RefreshTokenEntity,
    ConsentEntity,
    AuditEventEntity,
    PartnerClientEntity,
    DataSubjectRequestEntity,
    DataSubjectRequestPartEntity,
  ],
  migrations: [
    CreateUsers1732233600000,
    AuthConsentAudit1732320000000,
    CreateEventTables1732400000000,
    DataSubjectRequests1732500000000,
    Revocation1732600000000,
    EventTraceMetadata1732610000000,
  ],
  outbox: true,
  resolvers: [
    UserResolver,
    AuthResolver,
    ConsentResolver,
    UserConsentsResolver,
    AuditResolver,
    PartnerClientResolver,
    DataSubjectRequestResolver,
  ],
  referenceResolvers: {
    User: { __resolveReference: resolveUserReference },
    Consent: { __resolveReference: resolveConsentReference },
    DataSubjectRequest: { __resolveReference: resolveDataSubjectRequestReference },
  },
  permissions: identityPermissions,
  rateLimits: identityRateLimits,
  createLoaders: createIdentityLoaders,
  async createVerifier(deps) {
    const keys = await signingKeys(deps);
    return createTokenVerifier({
      issuer: deps.config.JWT_ISSUER,
      audience: deps.config.JWT_AUDIENCE,
      localJwks: keys.jwks,
      revocations: deps.revocations,
      service: 'identity-consent',
    });
  },
  revocationSync: databaseRevocationSync,
  postRoutes(deps) {
    return {
      // The gateway's threat detection, for signed-in users; see platform/contracts/security-audit-client.ts.
      [SECURITY_AUDIT_PATH]: signedRoute(deps, async (query) => {
        const userId = query.get('userId');
        const score = Number(query.get('score'));
        const action = query.get('action');
        const signals = (query.get('signals') ?? '').split(',').filter(Boolean);
        const requestId = query.get('requestId') ?? '';
        if (!isUuid(userId)) throw new InternalRouteError(400, 'userId must be a UUID');
        if (!Number.isInteger(score) || score < 0 || score > 10_000)
          throw new InternalRouteError(400, 'score must be a whole number');
        if (action !== 'observed' && action !== 'blocked')
          throw new InternalRouteError(400, 'action must be observed or blocked');
        if (signals.length > 10 || signals.some((s) => !/^[a-z_]{1,20}:[a-z0-9_.-]{1,60}$/i.test(s)))
          throw new InternalRouteError(400, 'signals must be kind:pattern labels');
        if (!/^[A-Za-z0-9._:-]{0,64}$/.test(requestId)) throw new InternalRouteError(400, 'requestId is malformed');
        await appendAlone(deps.db.dataSource, {
          action: 'security.threat_detected',
          actorId: userId,
          subjectId: userId,
          details: { score, action, signals, requestId },
        });
        return { ok: true };
      }),
    };
  },
  async routes(deps) {
    const body = JSON.stringify((await signingKeys(deps)).jwks);
    const db = deps.db.dataSource;
    return {
      '/.well-known/jwks.json': (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
        res.end(body);
      },
      // Other subgraphs ask on every request that needs consent; see platform/contracts/consent-client.ts.
      [ACTIVE_CONSENTS_PATH]: signedRoute(deps, async (query) => {
        const userId = query.get('userId');
        if (!isUuid(userId)) throw new InternalRouteError(400, 'userId must be a UUID');
        return { consents: await activeConsents(db, userId) };
      }),
      // Every service's revocation view loads from here at start, then reads again as soon as this
      // answers: given the token of its last read, the read is held (up to waitMs) until this
      // service's own view of the log changes, so an idle view costs one request per wait, not one
      // per REVOCATION_POLL_MS, and a decision reaches it at once.
      [REVOCATIONS_PATH]: signedRoute(deps, async (query) => {
        const since = query.get('since');
        if (since !== null && !/^\d{1,15}$/.test(since))
          throw new InternalRouteError(400, 'since must be epoch milliseconds');
        const token = query.get('token');
        const waitMs = query.get('waitMs');
        if (token !== null && !/^[0-9a-f]{1,32}\.\d{1,15}$/.test(token))
          throw new InternalRouteError(400, 'token must be one this route handed out');
        if (waitMs !== null && !/^\d{1,5}$/.test(waitMs))
          throw new InternalRouteError(400, 'waitMs must be milliseconds');
        if (token !== null && waitMs !== null)
          await deps.revocations.waitForChange(token, Math.min(Number(waitMs), MAX_REVOCATION_WAIT_MS));
        // Taken before the read: a change during the read makes the caller's next read answer at once.
        const current = deps.revocations.changeToken;
        const log = await readRevocationLog(
          db,
          deps.config.ACCESS_TOKEN_TTL_SECONDS,
          since === null ? null : Number(since),
        );
        return { ...log, token: current };
      }),
      // The gateway resolves x-api-key by its sha256; see platform/contracts/partner-client.ts.
      [PARTNER_RESOLVE_PATH]: signedRoute(deps, async (query) => {
        const keyHash = query.get('keyHash');
        if (!isKeyHash(keyHash)) throw new InternalRouteError(400, 'keyHash must be a lower-case sha256 hex digest');
        return { partner: await resolvePartnerByKeyHash(db, keyHash) };
      }),
    };
  },
  async onStart(deps) {
    await ensureBootstrapAdmin(deps);
    const swept = await dataSubjectService(deps).sweepAbandoned();
    if (swept) deps.log.warn({ swept }, 'data-subject requests left PENDING by a stopped process were marked FAILED');
    const prune = () =>
      pruneRevocationLog(deps.db.dataSource, deps.config.ACCESS_TOKEN_TTL_SECONDS).catch((err) =>
        deps.log.warn({ err }, 'could not prune the revocation log'),
      );
    await prune();
    const pruner = setInterval(prune, 3_600_000);
    pruner.unref();
    return async () => {
      clearInterval(pruner);
      await closeRevocationPublisher(deps);
      await dataSubjectService(deps).drain();
      await closeRateLimitStore(deps);
    };
  },
  // Served like every subgraph's part; the orchestrator in this subgraph calls it in process.
  dataSubject: identityDataSubject,
};
