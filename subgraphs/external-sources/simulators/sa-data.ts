/**
 * South African places, names and products the simulators draw from. Each source spells provinces
 * its own way (full names, abbreviations, codes), as real partners do.
 */
export interface Place {
  town: string;
  province: string;
  code: string;
}

const TOWNS: Record<string, { name: string; code: string; towns: string[] }> = {
  EC: {
    name: 'Eastern Cape',
    code: 'EC',
    towns: [
      'Gqeberha',
      'East London',
      'Mthatha',
      'Makhanda',
      'Queenstown',
      'Graaff-Reinet',
      'Lusikisiki',
      'Port St Johns',
    ],
  },
  FS: {
    name: 'Free State',
    code: 'FS',
    towns: ['Bloemfontein', 'Welkom', 'Bethlehem', 'Kroonstad', 'Ficksburg', 'Parys'],
  },
  GP: {
    name: 'Gauteng',
    code: 'GP',
    towns: ['Johannesburg', 'Pretoria', 'Soweto', 'Midrand', 'Vereeniging', 'Krugersdorp'],
  },
  KZN: {
    name: 'KwaZulu-Natal',
    code: 'KZN',
    towns: ['Durban', 'Pietermaritzburg', 'Richards Bay', 'Howick', 'Ladysmith', 'Greytown', 'Eshowe'],
  },
  LP: {
    name: 'Limpopo',
    code: 'LP',
    towns: ['Polokwane', 'Tzaneen', 'Thohoyandou', 'Louis Trichardt', 'Mokopane', 'Bela-Bela'],
  },
  MP: {
    name: 'Mpumalanga',
    code: 'MP',
    towns: ['Mbombela', 'eMalahleni', 'White River', 'Barberton', 'Hazyview', 'Lydenburg'],
  },
  NC: { name: 'Northern Cape', code: 'NC', towns: ['Kimberley', 'Upington', 'Springbok', 'Kuruman', 'De Aar'] },
  NW: { name: 'North West', code: 'NW', towns: ['Mahikeng', 'Rustenburg', 'Potchefstroom', 'Klerksdorp', 'Brits'] },
  WC: {
    name: 'Western Cape',
    code: 'WC',
    towns: ['Cape Town', 'Stellenbosch', 'George', 'Paarl', 'Worcester', 'Oudtshoorn', 'Citrusdal', 'Ceres'],
  },
};

export const PROVINCE_CODES = Object.keys(TOWNS);

export function placesIn(code: string): Place[] {
  const p = TOWNS[code];
  return p.towns.map((town) => ({ town, province: p.name, code: p.code }));
}

export const ALL_PLACES: Place[] = PROVINCE_CODES.flatMap(placesIn);

/** How the supplier network spells provinces: mostly the full name, sometimes an old habit. */
export const PROVINCE_SPELLINGS: Record<string, string[]> = {
  EC: ['Eastern Cape', 'E. Cape', 'EASTERN CAPE'],
  FS: ['Free State', 'Freestate', 'FS'],
  GP: ['Gauteng', 'GAUTENG', 'GP'],
  KZN: ['KwaZulu-Natal', 'Kwa-Zulu Natal', 'KZN'],
  LP: ['Limpopo', 'LIMPOPO', 'LP'],
  MP: ['Mpumalanga', 'MPUMALANGA', 'MP'],
  NC: ['Northern Cape', 'N. Cape', 'NC'],
  NW: ['North West', 'North-West', 'NW'],
  WC: ['Western Cape', 'W. Cape', 'WESTERN CAPE'],
};

const NAME_START = [
  'Karoo',
  'Drakensberg',
  'Amatola',
  'Wild Coast',
  'Highveld',
  'Lowveld',
  'Cederberg',
  'Boland',
  'Magaliesberg',
  'Waterberg',
  'Umzimkhulu',
  'Pondoland',
  'Overberg',
  'Soutpansberg',
  'Maloti',
  'Kalahari',
  'Tugela',
  'Sabie',
  'Langeberg',
  'Ubuntu',
  'Indlovu',
  'Khula',
  'Letsatsi',
  'Mvelo',
  'Thaba',
  'Vukani',
  'Sizwe',
  'Imvula',
  'Nala',
  'Kgosi',
];
const NAME_MIDDLE = [
  'Hemp',
  'Green',
  'Fibre',
  'Botanicals',
  'Growers',
  'Harvest',
  'Organics',
  'Agri',
  'Farms',
  'Naturals',
];
const NAME_END = [
  'Co-op',
  '(Pty) Ltd',
  'Collective',
  'Trust',
  'Holdings',
  'Farmers Association',
  'CC',
  'Estates',
  'Primary Co-operative',
];

export function supplierName(rand: { pick<T>(items: readonly T[]): T }): string {
  return `${rand.pick(NAME_START)} ${rand.pick(NAME_MIDDLE)} ${rand.pick(NAME_END)}`;
}

/** The supplier network's free-text product names, grouped by what they are. */
export const HSN_PRODUCTS: Record<string, string[]> = {
  HEMP_FIBRE: ['Hemp fibre (decorticated)', 'Raw hemp stalks, baled', 'Industrial hemp bast fibre', 'Hemp hurd / shiv'],
  HEMP_SEED: ['Hulled hemp seed', 'Whole hemp seed (food grade)', 'Hemp hearts'],
  HEMP_OIL: ['Cold-pressed hemp seed oil', 'Hemp seed oil, unrefined'],
  CBD_OIL: ['Full-spectrum CBD oil 10%', 'Broad-spectrum CBD oil 5%'],
  SEEDLINGS: ['Hemp seedlings (tray of 100)', 'Hemp clones, rooted'],
};

/** The exchange's product codes and what they mean. */
export const EXCHANGE_CODES: Record<string, string> = {
  'CBD-ISO-99': 'CBD_ISOLATE',
  'CBD-ISO-98': 'CBD_ISOLATE',
  'CBD-OIL-FS': 'CBD_OIL',
  'CBD-OIL-BS': 'CBD_OIL',
  'CAN-FLW-IND': 'CANNABIS_FLOWER',
  'CAN-FLW-SAT': 'CANNABIS_FLOWER',
  'CAN-EXT-RSN': 'CANNABIS_EXTRACT',
  'CAN-EXT-DST': 'CANNABIS_EXTRACT',
  'HMP-OIL-CP': 'HEMP_OIL',
  'HMP-SD-HUL': 'HEMP_SEED',
};

export const CERTIFICATIONS = ['Organic (SAOSO)', 'GAP', 'GMP', 'ISO 22000', 'Fair Trade', 'HACCP'];

/** Typical prices in ZAR per kg, by product family, to draw from (low, high). */
export const PRICE_RANGE_ZAR_PER_KG: Record<string, [number, number]> = {
  HEMP_FIBRE: [8, 35],
  HEMP_SEED: [45, 120],
  HEMP_OIL: [180, 420],
  CBD_OIL: [4_000, 18_000],
  CBD_ISOLATE: [9_000, 30_000],
  CANNABIS_FLOWER: [12_000, 60_000],
  CANNABIS_EXTRACT: [40_000, 180_000],
  SEEDLINGS: [300, 900],
};
