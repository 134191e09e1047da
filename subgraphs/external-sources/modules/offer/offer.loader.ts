import DataLoader from 'dataloader';
import { In, IsNull, type DataSource as Db } from 'typeorm';
import { ExternalOfferEntity, LicenceEntity } from './offer.entity';

export function createOfferByIdLoader(db: Db) {
  return new DataLoader<string, ExternalOfferEntity | null>(async (ids) => {
    const rows = await db.getRepository(ExternalOfferEntity).findBy({ id: In([...ids]) });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** Registry licences by number (any registry source), still listed there. */
export function createLicenceByNumberLoader(db: Db) {
  return new DataLoader<string, LicenceEntity | null>(async (numbers) => {
    const rows = await db.getRepository(LicenceEntity).findBy({ licenceNumber: In([...numbers]), goneAt: IsNull() });
    const byNumber = new Map(rows.map((r) => [r.licenceNumber, r]));
    return numbers.map((n) => byNumber.get(n) ?? null);
  });
}
