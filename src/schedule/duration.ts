// Parses duration options (timeouts, jitter, ...) given as ms or as a period string.
import { InvalidDurationError } from '../errors.js';
import { parsePeriod, periodToMs } from './period.js';

/**
 * Converts a duration option to milliseconds.
 *
 * - a finite number >= 0 is taken as ms, unchanged (fractions are kept);
 * - a string is a period as accepted by `parsePeriod` (`'30 sec'`, `'2 min'`, `'1 hour'`, `'day'`,
 *   `'2 weeks'`, and the short forms `'30s'`, `'5m'`, `'2h'`), converted with fixed lengths: a day is 24 h and a week
 *   7 days, whatever DST does. Months are rejected: their length varies (28-31 days), so they make no sense as a
 *   duration. Amounts are whole (`'1.5h'` is rejected: write `'90 min'`). A bare number in a string (`'30'`) is
 *   rejected too: its unit would be a guess (the CLI reads a bare number as seconds; the SDK's numbers are ms).
 *
 * @param value - The option's value.
 * @param option - The option name used in the error message, e.g. `'timeout'`.
 * @throws InvalidDurationError for negative numbers, NaN, ±Infinity, month periods, unparseable
 *   strings and any other type.
 * @example
 * ```ts
 * parseDuration('2 min', 'timeout'); // 120000
 * parseDuration(1500, 'jitter');     // 1500
 * ```
 */
export function parseDuration(value: unknown, option: string): number {
  if (typeof value === 'number') {
    // `+ 0` turns -0 into 0.
    if (Number.isFinite(value) && value >= 0) return value + 0;
    throw new InvalidDurationError(option, value);
  }
  if (typeof value !== 'string') throw new InvalidDurationError(option, value);
  let ms: number;
  try {
    const period = parsePeriod(value, option);
    if (period.unit === 'month') throw new InvalidDurationError(option, value);
    ms = periodToMs(period);
  } catch {
    throw new InvalidDurationError(option, value);
  }
  return ms;
}
