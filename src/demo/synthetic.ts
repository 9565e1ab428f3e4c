/**
 * Deterministic synthetic people for the demo. Names are assembled from syllables, so they are made up,
 * not drawn from real persons; contact details use reserved example domains and fictional numbers.
 * The generator (sfc32) is for reproducible demo data only, never for anything secret.
 */
export class DemoRandom {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    this.#a >>>= 0;
    this.#b >>>= 0;
    this.#c >>>= 0;
    this.#d >>>= 0;
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  normal(mean: number, sd: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

const ONSETS = [
  'Al',
  'Be',
  'Cor',
  'Da',
  'El',
  'Fen',
  'Gar',
  'Hal',
  'Is',
  'Jor',
  'Ka',
  'Lor',
  'Mar',
  'Nel',
  'Or',
  'Per',
  'Quin',
  'Ros',
  'Sel',
  'Tam',
  'Ul',
  'Ver',
  'Wen',
  'Yor',
  'Zan',
];
const MIDDLES = ['a', 'e', 'i', 'o', 'u', 'ae', 'ia', 'io', 'en', 'ar', 'el', 'is'];
const ENDINGS = ['n', 'th', 'ra', 'la', 'ne', 'ric', 'wyn', 'dor', 'sa', 'mir', 'tta', 'vel'];
const STREETS = ['Elmstead', 'Quarry', 'Harbour', 'Millbrook', 'Foxglove', 'Larch', 'Beacon', 'Tanner'];

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface SyntheticPerson {
  readonly fullName: string;
  readonly mrn: string;
  readonly email: string;
  readonly phone: string;
  readonly address: string;
  readonly birthDate: string;
  readonly zip: string;
  readonly sex: 'F' | 'M';
  readonly iban: string;
}

function syntheticName(random: DemoRandom): string {
  return capitalised(random.pick(ONSETS) + random.pick(MIDDLES) + random.pick(ENDINGS));
}

/** Fictional German-format IBAN with a valid ISO 13616 check digit pair (so validators accept it). */
function syntheticIban(random: DemoRandom): string {
  const bban = Array.from({ length: 18 }, () => random.int(0, 9)).join('');
  const numeric = `${bban}131400`; // "DE00" moved to the end, letters as numbers (D=13, E=14)
  let remainder = 0;
  for (const digit of numeric) remainder = (remainder * 10 + Number(digit)) % 97;
  return `DE${String(98 - remainder).padStart(2, '0')}${bban}`;
}

export function syntheticPerson(random: DemoRandom, index: number): SyntheticPerson {
  const first = syntheticName(random);
  const last = syntheticName(random) + random.pick(['son', 'ford', 'ley', 'ham', 'er', '']);
  const year = random.int(1945, 2004);
  const month = String(random.int(1, 12)).padStart(2, '0');
  const day = String(random.int(1, 28)).padStart(2, '0');
  return {
    fullName: `${first} ${last}`,
    mrn: `MRN-${String(100000 + index * 37 + random.int(0, 36)).padStart(6, '0')}`,
    email: `${first}.${last}${index}@example.org`.toLowerCase(),
    phone: `+44 1632 ${String(random.int(100000, 999999))}`,
    address: `${random.int(1, 180)} ${random.pick(STREETS)} Road`,
    birthDate: `${year}-${month}-${day}`,
    zip: String(random.int(10000, 99999)),
    sex: random.next() < 0.5 ? 'F' : 'M',
    iban: syntheticIban(random),
  };
}
