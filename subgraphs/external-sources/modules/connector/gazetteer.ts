import { Province } from '#platform/infra/schema/shared-types';

/**
 * Names sources use for provinces (full, abbreviated, old habits), compared after lower-casing and
 * dropping everything but letters, so "Kwa-Zulu Natal", "KZN" and "KwaZulu-Natal" agree.
 */
const PROVINCE_NAMES: Record<Province, string[]> = {
  EASTERN_CAPE: ['eastern cape', 'e cape', 'ec', 'oos-kaap'],
  FREE_STATE: ['free state', 'freestate', 'fs', 'vrystaat', 'orange free state'],
  GAUTENG: ['gauteng', 'gp', 'gt'],
  KWAZULU_NATAL: ['kwazulu-natal', 'kwazulu natal', 'kzn', 'natal'],
  LIMPOPO: ['limpopo', 'lp', 'lim', 'northern province'],
  MPUMALANGA: ['mpumalanga', 'mp'],
  NORTHERN_CAPE: ['northern cape', 'n cape', 'nc', 'noord-kaap'],
  NORTH_WEST: ['north west', 'north-west', 'nw'],
  WESTERN_CAPE: ['western cape', 'w cape', 'wc', 'wes-kaap'],
};

const TOWNS: Record<Province, string[]> = {
  EASTERN_CAPE: [
    'Gqeberha',
    'Port Elizabeth',
    'East London',
    'Mthatha',
    'Makhanda',
    'Grahamstown',
    'Queenstown',
    'Graaff-Reinet',
    'Lusikisiki',
    'Port St Johns',
  ],
  FREE_STATE: ['Bloemfontein', 'Welkom', 'Bethlehem', 'Kroonstad', 'Ficksburg', 'Parys'],
  GAUTENG: ['Johannesburg', 'Pretoria', 'Tshwane', 'Soweto', 'Midrand', 'Vereeniging', 'Krugersdorp'],
  KWAZULU_NATAL: [
    'Durban',
    'eThekwini',
    'Pietermaritzburg',
    'Richards Bay',
    'Howick',
    'Ladysmith',
    'Greytown',
    'Eshowe',
  ],
  LIMPOPO: ['Polokwane', 'Tzaneen', 'Thohoyandou', 'Louis Trichardt', 'Makhado', 'Mokopane', 'Bela-Bela'],
  MPUMALANGA: ['Mbombela', 'Nelspruit', 'eMalahleni', 'Witbank', 'White River', 'Barberton', 'Hazyview', 'Lydenburg'],
  NORTHERN_CAPE: ['Kimberley', 'Upington', 'Springbok', 'Kuruman', 'De Aar'],
  NORTH_WEST: ['Mahikeng', 'Mafikeng', 'Rustenburg', 'Potchefstroom', 'Klerksdorp', 'Brits'],
  WESTERN_CAPE: ['Cape Town', 'Stellenbosch', 'George', 'Paarl', 'Worcester', 'Oudtshoorn', 'Citrusdal', 'Ceres'],
};

const key = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');

const byName = new Map<string, Province>();
for (const [province, names] of Object.entries(PROVINCE_NAMES) as [Province, string[]][]) {
  byName.set(key(province), province);
  for (const n of names) byName.set(key(n), province);
}
const byTown = new Map<string, Province>();
for (const [province, towns] of Object.entries(TOWNS) as [Province, string[]][]) {
  for (const t of towns) byTown.set(key(t), province);
}

export function provinceFromName(name: string): Province | null {
  return byName.get(key(name)) ?? null;
}

export function provinceFromTown(town: string): Province | null {
  return byTown.get(key(town)) ?? null;
}
