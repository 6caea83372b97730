// Deterministic per-slot jitter: the same task and slot always get the same delay, so a preview,
// the scheduler and a restarted supervisor all agree on when a slot fires.

/** Bytes of the SHA-1 digest read as the hash value (48 bits: exact in a double). */
export const JITTER_HASH_BYTES = 6;
/** 2^48, the number of distinct hash values. */
export const JITTER_HASH_RANGE = 2 ** (8 * JITTER_HASH_BYTES);

/**
 * The delay (whole ms, in `[0, maxMs]`) added to slot `slotMs` of task `name`: a uniform value
 * derived from the SHA-1 of `name + "\0" + slotMs`. 0 when `maxMs` is 0 (or not a positive number).
 * A fractional `maxMs` is truncated.
 *
 * @example
 * ```ts
 * jitterOf('backup', Date.UTC(2026, 0, 1), 60_000); // same value on every call, 0..60000
 * ```
 */
export function jitterOf(name: string, slotMs: number, maxMs: number): number {
  const max = Math.floor(maxMs);
  if (!(max > 0)) return 0;
  const digest = process.getBuiltinModule('node:crypto').createHash('sha1').update(`${name}\0${slotMs}`).digest();
  const u = digest.readUIntBE(0, JITTER_HASH_BYTES);
  // Scale rather than take a remainder: no bias towards small delays.
  return Math.min(max, Math.floor((u / JITTER_HASH_RANGE) * (max + 1)));
}
