// The longest delay Node's timers take, and the check every public option that ends up in a timer goes through.
import { InvalidOptionError } from '../errors.js';

/**
 * Longest delay `setTimeout` / `setInterval` / `AbortSignal.timeout` take: 2^31 − 1 ms (about 24.8 days). A longer one
 * overflows: Node warns and fires it after 1 ms, so a poll would turn into a busy loop. Public options that end up in a
 * timer are rejected above it; internal timers that wait longer re-arm in steps of at most this.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** The same limit in whole seconds (for `keepRestarting({ sleep })`, given in seconds): 2147483 s. */
export const MAX_TIMER_S = Math.floor(MAX_TIMER_MS / 1_000);

/**
 * Checks a delay option given in milliseconds: a finite number > 0 (or >= 0 with `allowZero`) and at most
 * {@link MAX_TIMER_MS}.
 *
 * @param value - The option's value.
 * @param option - The option named in the error, e.g. `'pollMs'`.
 * @param allowZero - Accept 0. @defaultValue false
 * @throws InvalidOptionError (`ERR_INVALID_OPTION`) saying the accepted range, the maximum included.
 * @example
 * ```ts
 * checkTimerMs(100, 'pollMs');       // 100
 * checkTimerMs(2 ** 31, 'pollMs');   // throws: Expected `pollMs` to be a number of milliseconds > 0 and at most 2147483647 (about 24.8 days), got 2147483648.
 * ```
 */
export function checkTimerMs(value: unknown, option: string, allowZero = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (allowZero ? value >= 0 : value > 0) && value <= MAX_TIMER_MS;
  if (!ok) throw new InvalidOptionError(option, `a number of milliseconds ${allowZero ? '>= 0' : '> 0'} and at most ${MAX_TIMER_MS} (about 24.8 days)`, value);
  return value;
}
