import type { DataSource, EntityManager } from 'typeorm';
import type { Viewer } from '#platform/infra/auth/viewer';
import { isAdmin } from '#platform/infra/auth/viewer';
import { BadUserInputError, ConflictError, ForbiddenError, NotFoundError } from '#platform/infra/errors';
import { isUuid } from '#platform/infra/schema/ids';
import type { Outbox } from '#platform/infra/events/outbox';
import { decimal, listingSnapshot } from './listing.events';
import { ListingEntity } from './listing.entity';
import type { CreateListingInput, UpdateListingInput } from './listing.input';
import { canTransition, ListingStatus } from './listing-status';
import {
  parseCertifications,
  parseDescription,
  parsePrice,
  parseQuantity,
  parseSocialImpact,
  parseTitle,
} from './listing.validation';
import { socialImpactScore } from './social-impact';

/**
 * Every change to a listing goes through one function here, each in one transaction, so that a
 * domain event written in the same transaction describes exactly what was committed.
 */

export async function createListing(
  dataSource: DataSource,
  outbox: Outbox,
  viewer: Viewer,
  input: CreateListingInput,
): Promise<ListingEntity> {
  const status = input.status ?? ListingStatus.ACTIVE;
  if (status !== ListingStatus.DRAFT && status !== ListingStatus.ACTIVE) {
    throw new BadUserInputError('A new listing starts as DRAFT or ACTIVE', 'input.status');
  }
  const quantity = parseQuantity(input.quantityKg, 'input.quantityKg');
  const flags = parseSocialImpact(input.socialImpact, 'input.socialImpact');
  const values = {
    sellerId: viewer.userId,
    title: parseTitle(input.title, 'input.title'),
    description: parseDescription(input.description, 'input.description'),
    productType: input.productType,
    quantityKg: quantity,
    availableKg: quantity,
    pricePerKg: parsePrice(input.pricePerKg, 'input.pricePerKg'),
    province: input.province,
    certifications: parseCertifications(input.certifications, 'input.certifications'),
    ...flags,
    socialImpactScore: socialImpactScore(flags),
    status,
  };
  return dataSource.transaction(async (em) => {
    const repo = em.getRepository(ListingEntity);
    const row = await repo.save(repo.create(values));
    await outbox.add(em, { type: 'listing.created', payload: listingSnapshot(row) });
    return row;
  });
}

/** Locks the listing row for the rest of the transaction and checks the viewer may change it. */
async function lockOwnListing(em: EntityManager, viewer: Viewer, id: string): Promise<ListingEntity> {
  if (!isUuid(id)) throw new NotFoundError('No listing with this id');
  const row = await em
    .getRepository(ListingEntity)
    .createQueryBuilder('l')
    .setLock('pessimistic_write')
    .where('l.id = :id', { id })
    .getOne();
  if (!row) throw new NotFoundError('No listing with this id');
  if (row.sellerId !== viewer.userId && !isAdmin(viewer))
    throw new ForbiddenError('Only the seller or an administrator may change this listing');
  return row;
}

export async function updateListing(
  dataSource: DataSource,
  outbox: Outbox,
  viewer: Viewer,
  id: string,
  input: UpdateListingInput,
): Promise<ListingEntity> {
  return dataSource.transaction(async (em) => {
    const row = await lockOwnListing(em, viewer, id);
    if (row.status === ListingStatus.ARCHIVED) throw new ConflictError('An archived listing can no longer change');
    const changes: Partial<ListingEntity> = {};
    if (input.title !== undefined && input.title !== null) changes.title = parseTitle(input.title, 'input.title');
    if (input.description !== undefined) changes.description = parseDescription(input.description, 'input.description');
    if (input.pricePerKg !== undefined && input.pricePerKg !== null)
      changes.pricePerKg = parsePrice(input.pricePerKg, 'input.pricePerKg');
    if (input.province !== undefined && input.province !== null) changes.province = input.province;
    if (input.certifications !== undefined && input.certifications !== null) {
      changes.certifications = parseCertifications(input.certifications, 'input.certifications');
    }
    if (input.socialImpact !== undefined && input.socialImpact !== null) {
      const flags = parseSocialImpact(input.socialImpact, 'input.socialImpact');
      Object.assign(changes, flags, { socialImpactScore: socialImpactScore(flags) });
    }
    if (input.quantityKg !== undefined && input.quantityKg !== null) {
      const quantity = parseQuantity(input.quantityKg, 'input.quantityKg');
      // Work in grams (integers) so the arithmetic is exact.
      const grams = (kg: string) => Math.round(Number(kg) * 1000);
      const available = grams(row.availableKg) + grams(quantity) - grams(row.quantityKg);
      if (available < 0) {
        const ordered = (grams(row.quantityKg) - grams(row.availableKg)) / 1000;
        throw new BadUserInputError(
          `quantityKg may not be less than the ${ordered} kg already ordered`,
          'input.quantityKg',
        );
      }
      changes.quantityKg = quantity;
      changes.availableKg = (available / 1000).toFixed(3);
      if (available === 0 && row.status === ListingStatus.ACTIVE) changes.status = ListingStatus.SOLD_OUT;
      if (available > 0 && row.status === ListingStatus.SOLD_OUT) changes.status = ListingStatus.ACTIVE;
    }
    if (Object.keys(changes).length === 0) return row;
    await em.getRepository(ListingEntity).update({ id: row.id }, { ...changes, updatedAt: () => 'now()' } as never);
    const after = await em.getRepository(ListingEntity).findOneByOrFail({ id: row.id });
    const changedFields = Object.keys(changes).filter((f) => f !== 'status' && f !== 'socialImpactScore');
    await outbox.add(em, { type: 'listing.updated', payload: { ...listingSnapshot(after), changedFields } });
    if (after.status !== row.status) await addStatusChanged(em, outbox, row.status, after, 'QUANTITY_CHANGED');
    return after;
  });
}

/** Moves a listing along the table in listing-status.ts; anything else is BAD_USER_INPUT on `status`. */
export async function setListingStatus(
  dataSource: DataSource,
  outbox: Outbox,
  viewer: Viewer,
  id: string,
  status: ListingStatus,
): Promise<ListingEntity> {
  return dataSource.transaction(async (em) => {
    const row = await lockOwnListing(em, viewer, id);
    if (row.status === status) return row;
    if (status === ListingStatus.SOLD_OUT) {
      throw new BadUserInputError('SOLD_OUT is set by the system when the last kilogram is ordered', 'status');
    }
    if (!canTransition(row.status, status)) {
      throw new BadUserInputError(`A ${row.status} listing cannot become ${status}`, 'status');
    }
    if (status === ListingStatus.ACTIVE && Number(row.availableKg) <= 0) {
      throw new BadUserInputError('A listing with no stock cannot become ACTIVE; raise quantityKg first', 'status');
    }
    await em.getRepository(ListingEntity).update({ id: row.id }, { status, updatedAt: () => 'now()' } as never);
    const after = await em.getRepository(ListingEntity).findOneByOrFail({ id: row.id });
    await addStatusChanged(em, outbox, row.status, after, 'SELLER');
    return after;
  });
}

export type StatusCause = 'SELLER' | 'ORDER_PLACED' | 'ORDER_CANCELLED' | 'QUANTITY_CHANGED';

/** `listing.status_changed` in the caller's transaction, carrying what the listing is so a consumer needs no earlier event. */
export async function addStatusChanged(
  em: EntityManager,
  outbox: Outbox,
  from: ListingStatus,
  after: Pick<ListingEntity, 'id' | 'sellerId' | 'status' | 'productType' | 'province' | 'pricePerKg' | 'availableKg'>,
  cause: StatusCause,
): Promise<void> {
  await outbox.add(em, {
    type: 'listing.status_changed',
    payload: {
      listingId: after.id,
      sellerId: after.sellerId,
      from,
      to: after.status,
      productType: after.productType,
      province: after.province,
      pricePerKg: decimal(after.pricePerKg, 2),
      availableKg: decimal(after.availableKg, 3),
      cause,
    },
  });
}
