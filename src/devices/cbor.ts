/**
 * A strict CBOR (RFC 8949) decoder and a deterministic encoder, for device uploads. The decoder accepts
 * only the core deterministic encoding of section 4.2.1 on everything it reads: shortest-form
 * arguments, no indefinite lengths, map keys (integers or text) in bytewise order with no duplicates,
 * floats in their shortest exact width, valid UTF-8, and only false, true and null as simple values.
 * Two encodings of one message cannot both be accepted, so a signature covers exactly one meaning.
 */
export type CborValue = number | string | Uint8Array | boolean | null | CborValue[] | CborMap | Tagged;
export type CborMap = Map<number | string, CborValue>;

export class Tagged {
  constructor(
    readonly tag: number,
    readonly value: CborValue,
  ) {}
}

export type CborFailure =
  | 'truncated'
  | 'trailing-bytes'
  | 'indefinite-length'
  | 'reserved-value'
  | 'non-canonical-length'
  | 'non-canonical-float'
  | 'integer-too-large'
  | 'invalid-utf8'
  | 'unsupported-key'
  | 'duplicate-key'
  | 'unsorted-keys'
  | 'unsupported-simple'
  | 'too-deep';

export type Decoded = { ok: true; value: CborValue } | { ok: false; reason: CborFailure; offset: number };

const MAX_DEPTH = 16;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

class Failure {
  constructor(
    readonly reason: CborFailure,
    readonly offset: number,
  ) {}
}

/** Decodes exactly one item that must fill `bytes`; every deviation is a reason, never an exception. */
export function decodeStrict(bytes: Uint8Array): Decoded {
  const reader = new Reader(bytes);
  try {
    const value = reader.item(0);
    if (reader.pos !== bytes.length) return { ok: false, reason: 'trailing-bytes', offset: reader.pos };
    return { ok: true, value };
  } catch (e) {
    if (e instanceof Failure) return { ok: false, reason: e.reason, offset: e.offset };
    throw e;
  }
}

class Reader {
  pos = 0;
  readonly #view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #fail(reason: CborFailure, at = this.pos): never {
    throw new Failure(reason, at);
  }

  #need(n: number): void {
    if (this.pos + n > this.bytes.length) this.#fail('truncated');
  }

  /** The argument of a head, in shortest form only. */
  #argument(info: number, start: number): number {
    if (info < 24) return info;
    const view = this.#view;
    let value: number;
    switch (info) {
      case 24:
        this.#need(1);
        value = view.getUint8(this.pos);
        this.pos += 1;
        if (value < 24) this.#fail('non-canonical-length', start);
        return value;
      case 25:
        this.#need(2);
        value = view.getUint16(this.pos);
        this.pos += 2;
        if (value < 0x100) this.#fail('non-canonical-length', start);
        return value;
      case 26:
        this.#need(4);
        value = view.getUint32(this.pos);
        this.pos += 4;
        if (value < 0x10000) this.#fail('non-canonical-length', start);
        return value;
      case 27: {
        this.#need(8);
        const high = view.getUint32(this.pos);
        const low = view.getUint32(this.pos + 4);
        this.pos += 8;
        if (high === 0) this.#fail('non-canonical-length', start);
        // Beyond 2^53 a JavaScript number is no longer exact: refused rather than rounded.
        if (high > 0x1fffff) this.#fail('integer-too-large', start);
        return high * 0x100000000 + low;
      }
      case 31:
        return this.#fail('indefinite-length', start);
      default:
        return this.#fail('reserved-value', start);
    }
  }

  item(depth: number): CborValue {
    if (depth > MAX_DEPTH) this.#fail('too-deep');
    const start = this.pos;
    this.#need(1);
    const initial = this.bytes[this.pos] as number;
    this.pos += 1;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) return this.#simple(info, start);
    const arg = this.#argument(info, start);
    switch (major) {
      case 0:
        return arg;
      case 1:
        return -1 - arg;
      case 2: {
        this.#need(arg);
        const value = this.bytes.subarray(this.pos, this.pos + arg);
        this.pos += arg;
        return value;
      }
      case 3: {
        this.#need(arg);
        let text: string;
        try {
          text = UTF8.decode(this.bytes.subarray(this.pos, this.pos + arg));
        } catch {
          return this.#fail('invalid-utf8', start);
        }
        this.pos += arg;
        return text;
      }
      case 4: {
        // Every item takes at least one byte: a length beyond what is left is refused before allocating.
        this.#need(arg);
        const items: CborValue[] = new Array(arg);
        for (let i = 0; i < arg; i++) items[i] = this.item(depth + 1);
        return items;
      }
      case 5:
        return this.#map(arg, depth);
      default:
        return new Tagged(arg, this.item(depth + 1));
    }
  }

  #map(count: number, depth: number): CborMap {
    this.#need(count * 2);
    const map: CborMap = new Map();
    let previous: Uint8Array | undefined;
    for (let i = 0; i < count; i++) {
      const keyStart = this.pos;
      const key = this.item(depth + 1);
      if (typeof key !== 'string' && typeof key !== 'number') this.#fail('unsupported-key', keyStart);
      if (typeof key === 'number' && !Number.isInteger(key)) this.#fail('unsupported-key', keyStart);
      const encoded = this.bytes.subarray(keyStart, this.pos);
      if (previous !== undefined) {
        const order = compareBytes(previous, encoded);
        if (order === 0) this.#fail('duplicate-key', keyStart);
        if (order > 0) this.#fail('unsorted-keys', keyStart);
      }
      previous = encoded;
      map.set(key, this.item(depth + 1));
    }
    return map;
  }

  #simple(info: number, start: number): CborValue {
    const view = this.#view;
    switch (info) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 25: {
        this.#need(2);
        const half = view.getUint16(this.pos);
        this.pos += 2;
        const value = fromHalf(half);
        if (Number.isNaN(value) && half !== 0x7e00) this.#fail('non-canonical-float', start);
        return value;
      }
      case 26: {
        this.#need(4);
        const value = view.getFloat32(this.pos);
        this.pos += 4;
        if (Number.isNaN(value) || toHalf(value) !== undefined) this.#fail('non-canonical-float', start);
        return value;
      }
      case 27: {
        this.#need(8);
        const value = view.getFloat64(this.pos);
        this.pos += 8;
        if (Number.isNaN(value) || Math.fround(value) === value) this.#fail('non-canonical-float', start);
        return value;
      }
      case 31:
        return this.#fail('indefinite-length', start);
      default:
        return this.#fail('unsupported-simple', start);
    }
  }
}

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function fromHalf(half: number): number {
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  const sign = half & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The binary16 bits of `value` when it is exactly representable in 16 bits, else undefined. */
function toHalf(value: number): number | undefined {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const magnitude = Math.abs(value);
  if (magnitude === Number.POSITIVE_INFINITY) return sign | 0x7c00;
  if (magnitude === 0) return sign;
  let exponent = Math.floor(Math.log2(magnitude));
  // log2 may round across a power of two: correct it so that 2^exponent <= magnitude < 2^(exponent+1).
  if (2 ** exponent > magnitude) exponent--;
  else if (2 ** (exponent + 1) <= magnitude) exponent++;
  if (exponent < -24 || exponent > 15) return undefined;
  if (exponent < -14) {
    const fraction = magnitude * 2 ** 24;
    return Number.isInteger(fraction) ? sign | fraction : undefined;
  }
  const fraction = (magnitude / 2 ** exponent - 1) * 1024;
  if (!Number.isInteger(fraction)) return undefined;
  return sign | ((exponent + 15) << 10) | fraction;
}

/** Deterministic encoding (RFC 8949 section 4.2.1): what the reference device client signs. */
export function encode(value: CborValue): Uint8Array {
  const out = new Writer();
  out.value(value);
  return out.finish();
}

class Writer {
  #buffer = new Uint8Array(256);
  #view = new DataView(this.#buffer.buffer);
  #pos = 0;

  #reserve(n: number): void {
    if (this.#pos + n <= this.#buffer.length) return;
    const next = new Uint8Array(Math.max(this.#buffer.length * 2, this.#pos + n));
    next.set(this.#buffer.subarray(0, this.#pos));
    this.#buffer = next;
    this.#view = new DataView(next.buffer);
  }

  finish(): Uint8Array {
    return this.#buffer.slice(0, this.#pos);
  }

  head(major: number, arg: number): void {
    this.#reserve(9);
    const m = major << 5;
    if (arg < 24) {
      this.#buffer[this.#pos++] = m | arg;
    } else if (arg < 0x100) {
      this.#buffer[this.#pos++] = m | 24;
      this.#buffer[this.#pos++] = arg;
    } else if (arg < 0x10000) {
      this.#buffer[this.#pos++] = m | 25;
      this.#view.setUint16(this.#pos, arg);
      this.#pos += 2;
    } else if (arg < 0x100000000) {
      this.#buffer[this.#pos++] = m | 26;
      this.#view.setUint32(this.#pos, arg);
      this.#pos += 4;
    } else {
      this.#buffer[this.#pos++] = m | 27;
      this.#view.setUint32(this.#pos, Math.floor(arg / 0x100000000));
      this.#view.setUint32(this.#pos + 4, arg >>> 0);
      this.#pos += 8;
    }
  }

  bytes(major: number, data: Uint8Array): void {
    this.head(major, data.length);
    this.#reserve(data.length);
    this.#buffer.set(data, this.#pos);
    this.#pos += data.length;
  }

  value(value: CborValue): void {
    if (typeof value === 'number') {
      this.#number(value);
      return;
    }
    if (typeof value === 'string') {
      this.bytes(3, new TextEncoder().encode(value));
      return;
    }
    if (value instanceof Uint8Array) {
      this.bytes(2, value);
      return;
    }
    if (value === false || value === true || value === null) {
      this.#reserve(1);
      this.#buffer[this.#pos++] = value === null ? 0xf6 : value ? 0xf5 : 0xf4;
      return;
    }
    if (Array.isArray(value)) {
      this.head(4, value.length);
      for (const item of value) this.value(item);
      return;
    }
    if (value instanceof Tagged) {
      this.head(6, value.tag);
      this.value(value.value);
      return;
    }
    const entries = [...value.entries()].map(([k, v]) => ({ key: encode(k), value: v }));
    entries.sort((a, b) => compareBytes(a.key, b.key));
    this.head(5, entries.length);
    for (const entry of entries) {
      this.#reserve(entry.key.length);
      this.#buffer.set(entry.key, this.#pos);
      this.#pos += entry.key.length;
      this.value(entry.value);
    }
  }

  #number(value: number): void {
    if (Number.isInteger(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER && !Object.is(value, -0)) {
      if (value >= 0) this.head(0, value);
      else this.head(1, -1 - value);
      return;
    }
    this.#reserve(9);
    const half = toHalf(value);
    if (half !== undefined) {
      this.#buffer[this.#pos++] = 0xf9;
      this.#view.setUint16(this.#pos, half);
      this.#pos += 2;
    } else if (Math.fround(value) === value) {
      this.#buffer[this.#pos++] = 0xfa;
      this.#view.setFloat32(this.#pos, value);
      this.#pos += 4;
    } else {
      this.#buffer[this.#pos++] = 0xfb;
      this.#view.setFloat64(this.#pos, value);
      this.#pos += 8;
    }
  }
}
