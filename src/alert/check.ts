// Small validators shared by the alert option checks; every failure is an InvalidAlertError.
import { InvalidAlertError } from '../errors.js';
import { parsePeriod, periodToMs } from '../schedule/period.js';

/** Longest timer Node can arm (setTimeout / AbortSignal.timeout overflow beyond it). */
export const MAX_TIMER_MS = 2_147_483_647;

const DURATION_EXPECTED = "a number of milliseconds >= 0 or a period string like '10 sec' or '5 min'";

/** True for `{}`-like objects (not arrays, dates, maps, class instances). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Checks that `value` is a plain object with only `allowed` keys. */
export function checkObject(value: unknown, option: string, allowed: readonly string[], expected: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidAlertError(option, expected, value);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new InvalidAlertError(`${option}.${key}`, `absent (\`${option}\` takes only ${allowed.join(', ')})`, value[key]);
    }
  }
  return value;
}

/** A non-empty string without control characters (no header or command injection through CR/LF/NUL). */
export function checkText(value: unknown, option: string, expected = 'a non-empty string'): string {
  // eslint-disable-next-line no-control-regex
  if (typeof value !== 'string' || value.trim() === '' || /[\x00-\x08\x0a-\x1f\x7f]/.test(value)) {
    throw new InvalidAlertError(option, expected, value);
  }
  return value;
}

/** An optional boolean. */
export function checkBool(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidAlertError(option, 'a boolean', value);
  return value;
}

/** An optional integer in `[min, max]`. */
export function checkInt(value: unknown, option: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new InvalidAlertError(option, `an integer from ${min} to ${max}`, value);
  }
  return value as number;
}

/**
 * An optional duration in ms: a finite number >= 0 or a period string. A `timer` duration (a timeout) must be > 0
 * and at most {@link MAX_TIMER_MS}.
 */
export function checkDuration(value: unknown, option: string, fallback: number, timer = false): number {
  if (value === undefined) return fallback;
  let ms: number | null = null;
  if (typeof value === 'number' && Number.isFinite(value)) ms = value;
  else if (typeof value === 'string') {
    try {
      ms = periodToMs(parsePeriod(value, option));
    } catch {
      ms = null;
    }
  }
  if (ms === null || ms < 0 || (timer && (ms === 0 || ms > MAX_TIMER_MS))) {
    throw new InvalidAlertError(option, timer ? `${DURATION_EXPECTED}, > 0 and at most ${MAX_TIMER_MS} ms` : DURATION_EXPECTED, value);
  }
  return ms;
}

/** One string or a non-empty array of strings, each checked by `item`. */
export function checkList<T>(value: unknown, option: string, item: (v: unknown, option: string) => T, expected: string): T[] {
  if (Array.isArray(value)) {
    if (value.length === 0) throw new InvalidAlertError(option, expected, value);
    return value.map((v, i) => item(v, `${option}[${i}]`));
  }
  return [item(value, option)];
}
