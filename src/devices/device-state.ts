/**
 * A device's sequence state, kept in its row and advanced inside the upload's transaction: the replay
 * window (RFC 4303 section 3.4.3 style, 64 messages), the hash chain and the clock offset per boot.
 * Pure: the same state and message always give the same answer.
 */
export interface DeviceState {
  /** Boot counter of the newest accepted message; null before the first. */
  readonly boot: number | null;
  /** Highest accepted sequence number in that boot. */
  readonly top: number;
  /** Bit i set: sequence number top - i was accepted. */
  readonly window: bigint;
  /** SHA-256 of the message that set `top`. */
  readonly topHash: Uint8Array | null;
  /** Server time minus device time (ms) at the first upload of `boot`. */
  readonly offsetMs: number | null;
}

export const EMPTY_STATE: DeviceState = { boot: null, top: 0, window: 0n, topHash: null, offsetMs: null };
export const WINDOW = 64;
/** A device clock further than this from server time is refused (21 CFR 11.10(e): server time). */
export const MAX_SKEW_MS = 5 * 60 * 1000;
/** Within one boot the offset may wander this much (network delay, drift) before it is flagged. */
export const MAX_DRIFT_MS = 30 * 1000;

export type SequenceRefusal = 'REPLAY' | 'CLOCK_SKEW';
export type SequenceFlag = 'CHAIN_GAP' | 'CHAIN_FORK' | 'OUT_OF_ORDER' | 'CLOCK_DRIFT';

export type Advance =
  | { readonly ok: false; readonly reason: SequenceRefusal; readonly detail: string }
  | { readonly ok: true; readonly state: DeviceState; readonly flags: SequenceFlag[] };

const MASK = (1n << BigInt(WINDOW)) - 1n;
const ZERO_HASH = new Uint8Array(32);

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function advance(
  state: DeviceState,
  message: { boot: number; seq: number; prev: Uint8Array; sent: number },
  messageHash: Uint8Array,
  now: number,
): Advance {
  // The checks in the documented order: replay window first, then the device clock.
  if (state.boot !== null && message.boot < state.boot)
    return { ok: false, reason: 'REPLAY', detail: 'a boot counter older than the newest accepted' };
  if (state.boot === message.boot && message.seq <= state.top) {
    const age = state.top - message.seq;
    if (age >= WINDOW) return { ok: false, reason: 'REPLAY', detail: 'older than the replay window' };
    if ((state.window & (1n << BigInt(age))) !== 0n)
      return { ok: false, reason: 'REPLAY', detail: 'this sequence number was accepted before' };
  }
  const offset = now - message.sent;
  if (Math.abs(offset) > MAX_SKEW_MS)
    return {
      ok: false,
      reason: 'CLOCK_SKEW',
      detail: `device clock is ${Math.round(-offset / 1000)} s from server time`,
    };
  const flags: SequenceFlag[] = [];
  if (state.boot === null || message.boot > state.boot) {
    // A new boot: the window starts again; the chain continues from the last accepted message.
    const expected = state.topHash ?? ZERO_HASH;
    if (!sameBytes(message.prev, expected)) flags.push('CHAIN_GAP');
    return {
      ok: true,
      flags,
      state: { boot: message.boot, top: message.seq, window: 1n, topHash: messageHash, offsetMs: offset },
    };
  }
  if (state.offsetMs !== null && Math.abs(offset - state.offsetMs) > MAX_DRIFT_MS) flags.push('CLOCK_DRIFT');
  if (message.seq > state.top) {
    const shift = message.seq - state.top;
    if (shift === 1) {
      if (state.topHash !== null && !sameBytes(message.prev, state.topHash)) flags.push('CHAIN_FORK');
    } else {
      flags.push('CHAIN_GAP');
    }
    const window = shift >= WINDOW ? 1n : ((state.window << BigInt(shift)) | 1n) & MASK;
    return { ok: true, flags, state: { ...state, top: message.seq, window, topHash: messageHash } };
  }
  // Late but unseen (the window was checked above): accepted once; the chain cannot be checked for it.
  flags.push('OUT_OF_ORDER');
  const bit = 1n << BigInt(state.top - message.seq);
  return { ok: true, flags, state: { ...state, window: state.window | bit } };
}
