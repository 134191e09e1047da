import type { RunningStack } from '../../scripts/stack';
import { UserEntity } from '../../subgraphs/identity-consent/modules/user/user.entity';
import { ListingEntity } from '../../subgraphs/listings-matching/modules/listing/listing.entity';
import { ListingStatus } from '../../subgraphs/listings-matching/modules/listing/listing-status';
import { socialImpactScore } from '../../subgraphs/listings-matching/modules/listing/social-impact';
import { ProductType, Province, Role } from '#platform/infra/schema/shared-types';

const PROVINCES = Object.values(Province);
const PRODUCTS = Object.values(ProductType);

/** Users straight into identity's tables (registration is not what these tests are about). */
export async function insertUsers(
  stack: RunningStack,
  count: number,
  roles: Role[] = [Role.SELLER],
): Promise<UserEntity[]> {
  const repo = stack.subgraphs['identity-consent'].deps.db.dataSource.getRepository(UserEntity);
  const rows = Array.from({ length: count }, (_, i) =>
    repo.create({
      email: `user${i}-${Math.random().toString(36).slice(2)}@example.co.za`,
      displayName: `Farmer ${i}`,
      roles,
      province: PROVINCES[i % PROVINCES.length],
      passwordHash: 'not-a-real-hash',
    }),
  );
  return repo.save(rows);
}

export async function insertListings(
  stack: RunningStack,
  sellers: { id: string }[],
  perSeller: number,
  status = ListingStatus.ACTIVE,
): Promise<ListingEntity[]> {
  const repo = stack.subgraphs['listings-matching'].deps.db.dataSource.getRepository(ListingEntity);
  const rows: ListingEntity[] = [];
  sellers.forEach((seller, s) => {
    for (let i = 0; i < perSeller; i++) {
      const flags = {
        smallScaleFarmer: i % 2 === 0,
        womenOwned: i % 3 === 0,
        youthOwned: false,
        communityOwned: i % 5 === 0,
        beeLevel: (i % 8) + 1,
      };
      rows.push(
        repo.create({
          sellerId: seller.id,
          title: `Hemp lot ${s}-${i}`,
          description: 'Sun-grown, dried and baled',
          productType: PRODUCTS[(s + i) % PRODUCTS.length],
          quantityKg: '500',
          availableKg: '500',
          pricePerKg: (40 + ((s * 7 + i * 3) % 60)).toFixed(2),
          province: PROVINCES[(s + i) % PROVINCES.length],
          certifications: i % 2 ? ['organic'] : [],
          ...flags,
          socialImpactScore: socialImpactScore(flags),
          status,
        }),
      );
    }
  });
  return repo.save(rows, { chunk: 200 });
}
