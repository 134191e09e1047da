import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunningStack } from './stack';
import { UserEntity } from '../subgraphs/identity-consent/modules/user/user.entity';
import { hashPassword } from '../subgraphs/identity-consent/modules/auth/password';
import { ListingEntity } from '../subgraphs/listings-matching/modules/listing/listing.entity';
import { ListingStatus } from '../subgraphs/listings-matching/modules/listing/listing-status';
import { socialImpactScore } from '../subgraphs/listings-matching/modules/listing/social-impact';
import { ProductType, Province, Role } from '#platform/infra/schema/shared-types';
import { PartnerClientEntity } from '../subgraphs/identity-consent/modules/partner/partner-client.entity';
import { PartnerTier } from '../subgraphs/identity-consent/modules/partner/partner.type';
import { sha256Hex } from '../subgraphs/identity-consent/modules/auth/tokens';

/** A handful of South African sellers and their listings, so a fresh `npm start` has something to show. */
const SELLERS = [
  {
    name: 'Eastern Cape Hemp Co-op',
    province: Province.EASTERN_CAPE,
    community: true,
    women: false,
    small: true,
    bee: 1,
  },
  { name: 'Karoo Fibre Growers', province: Province.NORTHERN_CAPE, community: false, women: true, small: true, bee: 2 },
  { name: 'Highveld CBD Labs', province: Province.GAUTENG, community: false, women: false, small: false, bee: 4 },
  {
    name: 'Umzimkulu Seed Farmers',
    province: Province.KWAZULU_NATAL,
    community: true,
    women: true,
    small: true,
    bee: 1,
  },
  { name: 'Boland Botanicals', province: Province.WESTERN_CAPE, community: false, women: true, small: false, bee: 3 },
  { name: 'Limpopo Youth Growers', province: Province.LIMPOPO, community: false, women: false, small: true, bee: 2 },
];

const PRODUCTS: Array<{ type: ProductType; title: string; price: number }> = [
  { type: ProductType.HEMP_FIBRE, title: 'Retted hemp fibre bales', price: 38 },
  { type: ProductType.HEMP_SEED, title: 'Dehulled hemp hearts', price: 142 },
  { type: ProductType.HEMP_OIL, title: 'Cold-pressed hemp seed oil', price: 310 },
  { type: ProductType.CBD_ISOLATE, title: 'CBD isolate 99%', price: 9800 },
  { type: ProductType.CBD_OIL, title: 'Full-spectrum CBD oil', price: 2450 },
  { type: ProductType.CANNABIS_FLOWER, title: 'Indoor cannabis flower (licensed)', price: 1250 },
  { type: ProductType.CANNABIS_EXTRACT, title: 'Cannabis extract, lab tested', price: 6400 },
  { type: ProductType.SEEDLINGS, title: 'Hemp seedlings, certified cultivar', price: 95 },
];

/** The demo accounts `npm start` prints (embedded database only: a real deployment has no demo data). */
export const DEMO_ACCOUNTS = [
  { role: Role.SELLER, email: 'seller1@demo.hemp.co.za', password: 'demo-seller-password' },
  { role: Role.BUYER, email: 'buyer1@demo.hemp.co.za', password: 'demo-buyer-password' },
] as const;

/**
 * A partner key for `npm run example:partner` against a fresh `npm start`. Fixed and printed, like
 * the demo passwords, because it exists on the embedded database only; real keys come from
 * createPartnerClient and are shown once.
 */
export const DEMO_PARTNER = {
  name: 'Demo partner (embedded database only)',
  tier: PartnerTier.FREE,
  apiKey: 'hmp_live_demo-partner-embedded-database-only',
} as const;

export const DEMO_ADMIN_EMAIL = 'admin@demo.hemp.co.za';

/**
 * The demo admin's password: random, made once per data directory and kept there (0600), never a
 * fixed string — an ADMIN with a published password would be a way in to anyone who exposed the port.
 */
function demoAdminPassword(dataDir: string): string {
  const file = path.join(dataDir, 'demo-admin-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const password = randomBytes(15).toString('base64url');
  writeFileSync(file, password + '\n', { mode: 0o600 });
  return password;
}

export interface DemoData {
  /** Listings loaded now (0 when the database already had some). */
  listings: number;
  /** An ADMIN for the console and the explorer (embedded database only; random password per data dir). */
  admin: { email: string; password: string };
  accounts: typeof DEMO_ACCOUNTS;
  partner: typeof DEMO_PARTNER;
}

export async function loadDemoData(stack: RunningStack): Promise<DemoData> {
  const users = stack.subgraphs['identity-consent'].deps.db.dataSource.getRepository(UserEntity);
  const admin = { email: DEMO_ADMIN_EMAIL, password: demoAdminPassword(stack.config.DATA_DIR) };
  if (!(await users.findOneBy({ email: admin.email }))) {
    await users.save(
      users.create({
        email: admin.email,
        displayName: 'Demo admin',
        roles: [Role.ADMIN],
        province: Province.GAUTENG,
        passwordHash: await hashPassword(admin.password),
      }),
    );
  }
  // The demo buyer is ensured on every start, so databases made before it existed get it too.
  const buyer = DEMO_ACCOUNTS[1];
  if (!(await users.findOneBy({ email: buyer.email }))) {
    await users.save(
      users.create({
        email: buyer.email,
        displayName: 'Demo buyer (Johannesburg)',
        roles: [Role.BUYER],
        province: Province.GAUTENG,
        passwordHash: await hashPassword(buyer.password),
      }),
    );
  }
  const partners = stack.subgraphs['identity-consent'].deps.db.dataSource.getRepository(PartnerClientEntity);
  if (!(await partners.findOneBy({ keyHash: sha256Hex(DEMO_PARTNER.apiKey) }))) {
    await partners.save(
      partners.create({
        name: DEMO_PARTNER.name,
        tier: DEMO_PARTNER.tier,
        keyHash: sha256Hex(DEMO_PARTNER.apiKey),
        createdBy: null,
        revokedAt: null,
      }),
    );
  }
  const listings = stack.subgraphs['listings-matching'].deps.db.dataSource.getRepository(ListingEntity);
  if ((await listings.count()) > 0) return { listings: 0, admin, accounts: DEMO_ACCOUNTS, partner: DEMO_PARTNER };
  const passwordHash = await hashPassword(DEMO_ACCOUNTS[0].password);
  let created = 0;
  for (const [i, s] of SELLERS.entries()) {
    const email = `seller${i + 1}@demo.hemp.co.za`;
    const seller =
      (await users.findOneBy({ email })) ??
      (await users.save(
        users.create({ email, displayName: s.name, roles: [Role.SELLER], province: s.province, passwordHash }),
      ));
    const rows = PRODUCTS.filter((_, p) => (p + i) % 2 === 0).map((p, j) => {
      const flags = {
        smallScaleFarmer: s.small,
        womenOwned: s.women,
        youthOwned: s.name.includes('Youth'),
        communityOwned: s.community,
        beeLevel: s.bee,
      };
      const quantity = 200 + ((i * 37 + j * 53) % 800);
      return listings.create({
        sellerId: seller.id,
        title: `${p.title} — ${s.name}`,
        description: `${p.title} from ${s.province.replace(/_/g, ' ').toLowerCase()}.`,
        productType: p.type,
        quantityKg: String(quantity),
        availableKg: String(quantity),
        pricePerKg: (p.price * (0.9 + ((i + j) % 5) * 0.05)).toFixed(2),
        province: s.province,
        certifications: j % 2 === 0 ? ['SAHPRA licensed', 'Organic (SAOSO)'] : ['DALRRD hemp permit'],
        ...flags,
        socialImpactScore: socialImpactScore(flags),
        status: ListingStatus.ACTIVE,
      });
    });
    created += (await listings.save(rows)).length;
  }
  return { listings: created, admin, accounts: DEMO_ACCOUNTS, partner: DEMO_PARTNER };
}
