import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from 'type-graphql';
import { requireViewer } from '#platform/infra/auth/viewer';
import { BadUserInputError, ForbiddenError, NotFoundError } from '#platform/infra/errors';
import { decodeCursor, encodeCursor, pageSize, toConnection } from '#platform/infra/schema/connection';
import { isUuid } from '#platform/infra/schema/ids';
import { ProductType } from '#platform/infra/schema/shared-types';
import type { SubgraphDeps } from '#platform/infra/service/subgraph';
import type { ExternalContext } from '../../context.type';
import { toDataSource } from '../data-source/data-source.mapper';
import { DataSource } from '../data-source/data-source.type';
import { permittedForRequest } from './offer-access';
import { ExternalOfferEntity } from './offer.entity';
import {
  ExternalOffer,
  ExternalOfferConnection,
  LicenceCheck,
  LicenceCheckStatus,
  toExternalOffer,
} from './offer.type';

@Resolver(() => ExternalOffer)
export class ExternalOfferResolver {
  constructor(private readonly deps: SubgraphDeps) {}

  @Query(() => ExternalOfferConnection, {
    description:
      "Offers from the sources where the caller holds an ACTIVE consent at or above the source's requiredAccessLevel, as of this request",
  })
  async externalOffers(
    @Ctx() ctx: ExternalContext,
    @Arg('dataSourceId', () => ID, { nullable: true }) dataSourceId?: string,
    @Arg('productType', () => ProductType, { nullable: true }) productType?: ProductType,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ) {
    requireViewer(ctx);
    const limit = pageSize(first);
    const cursor = decodeCursor(after, ['timestamp', 'uuid'] as const);
    if (dataSourceId !== undefined && dataSourceId !== null && !isUuid(dataSourceId))
      throw new BadUserInputError('dataSourceId is not a valid id', 'dataSourceId');

    const permitted = await permittedForRequest(ctx);
    let ids = [...permitted];
    if (dataSourceId) {
      const source = await ctx.loaders.dataSourceById.load(dataSourceId);
      if (!source) throw new NotFoundError('No such data source');
      if (!permitted.has(dataSourceId)) {
        throw new ForbiddenError(
          `Offers from ${source.name} need an ACTIVE consent at ${source.requiredAccessLevel} or above`,
        );
      }
      ids = [dataSourceId];
    }
    if (ids.length === 0 || limit === 0) {
      return {
        edges: [],
        pageInfo: { hasNextPage: false, endCursor: null },
        totalCount: ids.length === 0 ? 0 : await this.count(ids, productType),
      };
    }
    const q = this.deps.db.dataSource
      .getRepository(ExternalOfferEntity)
      .createQueryBuilder('o')
      .where('o.data_source_id = ANY(:ids)', { ids })
      .andWhere('o.gone_at IS NULL');
    if (productType) q.andWhere('o.product_type = :productType', { productType });
    if (cursor) q.andWhere('(o.fetched_at, o.id) < (:at::timestamptz, :id::uuid)', { at: cursor[0], id: cursor[1] });
    const [rows, total] = await Promise.all([
      q
        .orderBy('o.fetched_at', 'DESC')
        .addOrderBy('o.id', 'DESC')
        .limit(limit + 1)
        .getMany(),
      this.count(ids, productType),
    ]);
    const connection = toConnection(rows, limit, total, (r) => encodeCursor([r.fetchedAt.toISOString(), r.id]));
    return { ...connection, edges: connection.edges.map((e) => ({ cursor: e.cursor, node: toExternalOffer(e.node) })) };
  }

  private count(ids: string[], productType?: ProductType): Promise<number> {
    const q = this.deps.db.dataSource
      .getRepository(ExternalOfferEntity)
      .createQueryBuilder('o')
      .where('o.data_source_id = ANY(:ids)', { ids })
      .andWhere('o.gone_at IS NULL');
    if (productType) q.andWhere('o.product_type = :productType', { productType });
    return q.getCount();
  }

  @FieldResolver(() => DataSource)
  async source(@Root() offer: ExternalOffer, @Ctx() ctx: ExternalContext): Promise<DataSource> {
    const row = await ctx.loaders.dataSourceById.load(offer.dataSourceId);
    if (!row) throw new NotFoundError('The source of this offer no longer exists');
    return toDataSource(row);
  }

  @FieldResolver(() => LicenceCheck, {
    nullable: true,
    description:
      'The licence checked against the Regulatory Registry; null without a licence number or without an ACTIVE consent for the registry',
  })
  async licence(@Root() offer: ExternalOffer, @Ctx() ctx: ExternalContext): Promise<LicenceCheck | null> {
    if (!offer.licenceNumber) return null;
    const [sources, permitted] = await Promise.all([ctx.loaders.allDataSources(), permittedForRequest(ctx)]);
    const registries = sources.filter((s) => s.kind === 'REGULATORY_REGISTRY');
    if (!registries.some((r) => permitted.has(r.id))) return null;
    const licence = await ctx.loaders.licenceByNumber.load(offer.licenceNumber);
    if (!licence || !permitted.has(licence.dataSourceId)) {
      return {
        licenceNumber: offer.licenceNumber,
        status: LicenceCheckStatus.NOT_FOUND,
        holderName: null,
        expiresOn: null,
        verified: false,
      };
    }
    const today = new Date().toISOString().slice(0, 10);
    const expiresOn = dateOnly(licence.expiresOn);
    const expired = expiresOn < today;
    const status =
      expired && licence.status === 'ACTIVE' ? LicenceCheckStatus.EXPIRED : (licence.status as LicenceCheckStatus);
    return {
      licenceNumber: licence.licenceNumber,
      status,
      holderName: licence.holderName,
      expiresOn,
      verified: status === LicenceCheckStatus.ACTIVE,
    };
  }
}

/** A `date` column as YYYY-MM-DD, whether the driver gave a string or a local-midnight Date. */
function dateOnly(value: string | Date): string {
  if (typeof value === 'string') return value.slice(0, 10);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${value.getFullYear()}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`;
}
