import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { requireViewer } from '#platform/infra/auth/viewer';
import { BadUserInputError, ForbiddenError, NotFoundError } from '#platform/infra/errors';
import { isUuid } from '#platform/infra/schema/ids';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { ExternalContext } from '../../context.type';
import { externalRuntime } from '../../runtime';
import { SourceRequestError } from '../connector/http-client';
import type { DataSourceEntity } from '../data-source/data-source.entity';
import { permittedForRequest } from '../offer/offer-access';
import { CredentialService, VaultError } from './credential.service';
import { ConnectionTestResult } from './credential.type';

const MAX_CREDENTIAL_LENGTH = 4096;
const PROBE_DEADLINE_MS = 8000;

function describeFailure(err: SourceRequestError): string {
  if (err.kind === 'http' && (err.status === 401 || err.status === 403))
    return `The source refused the stored credential (HTTP ${err.status})`;
  if (err.kind === 'breaker-open')
    return 'The source is unavailable right now (it failed repeatedly; calls are paused)';
  if (err.kind === 'invalid-request') return 'The stored credential cannot be sent to the source; store it again';
  if (err.kind === 'timeout' || err.kind === 'aborted') return 'The source did not answer in time';
  return `The source could not be reached: ${err.message}`;
}

@Resolver()
export class CredentialResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  private service(): CredentialService {
    return new CredentialService(this.deps.db.dataSource, externalRuntime(this.deps).vault, this.deps.log);
  }

  private async source(ctx: ExternalContext, dataSourceId: string): Promise<DataSourceEntity> {
    if (!isUuid(dataSourceId)) throw new BadUserInputError('dataSourceId is not a valid id', 'dataSourceId');
    const source = await ctx.loaders.dataSourceById.load(dataSourceId);
    if (!source) throw new NotFoundError('No such data source');
    return source;
  }

  @Mutation(() => Boolean, {
    description:
      "Keeps the caller's credential for a source, encrypted; it is never returned. Needs sign-in only: it is used solely by testDataSourceConnection, which needs an ACTIVE consent",
  })
  async storeDataSourceCredential(
    @Ctx() ctx: ExternalContext,
    @Arg('dataSourceId', () => ID) dataSourceId: string,
    @Arg('credential', () => String) credential: string,
  ): Promise<boolean> {
    const viewer = requireViewer(ctx);
    const source = await this.source(ctx, dataSourceId);
    // It travels in an HTTP header: visible ASCII and spaces only, or every call with it fails locally.
    if (
      credential.trim().length === 0 ||
      credential.length > MAX_CREDENTIAL_LENGTH ||
      !/^[\x20-\x7e]+$/.test(credential)
    ) {
      // The message never repeats the value: it is a secret even when it is wrong.
      throw new BadUserInputError(
        `credential must be 1 to ${MAX_CREDENTIAL_LENGTH} printable ASCII characters`,
        'credential',
      );
    }
    await this.service().store(viewer.userId, source.id, credential);
    ctx.log.info({ dataSourceId: source.id, userId: viewer.userId }, 'data source credential stored');
    return true;
  }

  @Mutation(() => Boolean, {
    description: "Deletes the caller's stored credential for a source; false when there was none",
  })
  async deleteDataSourceCredential(
    @Ctx() ctx: ExternalContext,
    @Arg('dataSourceId', () => ID) dataSourceId: string,
  ): Promise<boolean> {
    const viewer = requireViewer(ctx);
    const source = await this.source(ctx, dataSourceId);
    const deleted = await this.service().delete(viewer.userId, source.id);
    if (deleted) ctx.log.info({ dataSourceId: source.id, userId: viewer.userId }, 'data source credential deleted');
    return deleted;
  }

  @Mutation(() => ConnectionTestResult, {
    description:
      "Calls the source with the caller's stored credential; needs an ACTIVE consent at the source's required level",
  })
  async testDataSourceConnection(
    @Ctx() ctx: ExternalContext,
    @Arg('dataSourceId', () => ID) dataSourceId: string,
  ): Promise<ConnectionTestResult> {
    const viewer = requireViewer(ctx);
    const source = await this.source(ctx, dataSourceId);
    const permitted = await permittedForRequest(ctx);
    if (!permitted.has(source.id))
      throw new ForbiddenError(
        `Connecting to ${source.name} needs an ACTIVE consent at ${source.requiredAccessLevel} or above`,
      );
    let credential: string | null;
    try {
      credential = await this.service().open(viewer.userId, source.id);
    } catch (err) {
      if (!(err instanceof VaultError)) throw err;
      ctx.log.warn({ dataSourceId: source.id, reason: err.message }, 'stored credential could not be opened');
      return { ok: false, latencyMs: 0, message: 'The stored credential could not be read; store it again' };
    }
    if (credential === null)
      return { ok: false, latencyMs: 0, message: 'No credential stored for this source; store one first' };
    const runtime = externalRuntime(this.deps).sources.get(source.slug);
    if (!runtime) return { ok: false, latencyMs: 0, message: 'This source has no connector' };
    const started = performance.now();
    try {
      // Someone is waiting: one retry at most, and an answer well inside the gateway's timeout.
      const page = await runtime.connector.fetchPage(null, credential, {
        pageSize: 1,
        hooks: { maxRetries: 1, countsTowardBreaker: false },
        signal: AbortSignal.timeout(PROBE_DEADLINE_MS),
      });
      const latencyMs = Math.round(performance.now() - started);
      return {
        ok: true,
        latencyMs,
        message: `Connected: ${source.name} answered with ${page.records.length} record(s)`,
      };
    } catch (err) {
      const latencyMs = Math.round(performance.now() - started);
      if (!(err instanceof SourceRequestError)) throw err;
      ctx.log.info({ dataSourceId: source.id, kind: err.kind, status: err.status }, 'connection test failed');
      return { ok: false, latencyMs, message: describeFailure(err) };
    }
  }
}
