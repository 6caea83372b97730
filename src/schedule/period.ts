// Parses human period strings ('30 sec', '2 min', 'day', '1 month') into a typed Period.
import dayjs from 'dayjs';
import duration from 'dayjs/plugin/duration.js';
import { InvalidPeriodError } from '../errors.js';

dayjs.extend(duration);

/** Unit of a {@link Period}. `day`, `week` and `month` are calendar units (see {@link isCalendarUnit}). */
export type PeriodUnit = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month';

/** A parsed period: `amount` whole `unit`s. */
export interface Period {
  /** Positive safe integer, e.g. `2` for `'2 min'`. */
  amount: number;
  /** Canonical unit, e.g. `'minute'` for `'2 min'`. */
  unit: PeriodUnit;
  /** The user's original text, trimmed, e.g. `'2 min'`. */
  text: string;
}

/** Days in one nominal month, used by {@link periodToMs} only (calendar arithmetic uses real month lengths). */
export const NOMINAL_MONTH_DAYS = 30;

/** Every accepted spelling of each unit (matched case-insensitively). `m` means minute, never month. */
export const PERIOD_UNIT_ALIASES: Readonly<Record<PeriodUnit, readonly string[]>> = {
  second: ['s', 'sec', 'secs', 'second', 'seconds'],
  minute: ['m', 'min', 'mins', 'minute', 'minutes'],
  hour: ['h', 'hr', 'hrs', 'hour', 'hours'],
  day: ['d', 'day', 'days'],
  week: ['w', 'week', 'weeks'],
  month: ['month', 'months'],
};

// Optional digits, optional whitespace, letters. Signs, decimals and exponents never match.
const PERIOD_PATTERN = /^(\d+)?\s*([a-z]+)$/i;

const UNIT_BY_ALIAS: ReadonlyMap<string, PeriodUnit> = new Map(
  (Object.entries(PERIOD_UNIT_ALIASES) as [PeriodUnit, readonly string[]][]).flatMap(([unit, aliases]) =>
    aliases.map((alias): [string, PeriodUnit] => [alias, unit]),
  ),
);

const CALENDAR_UNITS: ReadonlySet<PeriodUnit> = new Set<PeriodUnit>(['day', 'week', 'month']);

/**
 * Parses a period string: an optional positive integer amount (default 1) followed by a unit,
 * case-insensitive, whitespace optional.
 *
 * @param input - The user's value, e.g. `'30 sec'`, `'2min'`, `'day'`, `'1 month'`.
 * @param option - The option name used in the error message. @default 'period'
 * @throws InvalidPeriodError for anything else: empty strings, `0`, negatives, decimals, unknown
 *   units, non-strings, or amounts whose length in ms would exceed `Number.MAX_SAFE_INTEGER`.
 * @example
 * ```ts
 * parsePeriod('2 min'); // { amount: 2, unit: 'minute', text: '2 min' }
 * parsePeriod('day');   // { amount: 1, unit: 'day', text: 'day' }
 * ```
 */
export function parsePeriod(input: unknown, option = 'period'): Period {
  if (typeof input !== 'string') throw new InvalidPeriodError(input, option);
  const text = input.trim();
  const match = PERIOD_PATTERN.exec(text);
  const unit = match ? UNIT_BY_ALIAS.get((match[2] ?? '').toLowerCase()) : undefined;
  if (!match || unit === undefined) throw new InvalidPeriodError(input, option);
  const amount = match[1] === undefined ? 1 : Number(match[1]);
  if (!Number.isSafeInteger(amount) || amount < 1) throw new InvalidPeriodError(input, option);
  const period: Period = { amount, unit, text };
  if (!Number.isSafeInteger(periodToMs(period))) throw new InvalidPeriodError(input, option);
  return period;
}

/**
 * Whether `unit` is a calendar unit (`day`, `week`, `month`): such periods keep the anchor's
 * wall-clock time in a time zone across DST changes, instead of adding a fixed number of ms.
 */
export function isCalendarUnit(unit: PeriodUnit): boolean {
  return CALENDAR_UNITS.has(unit);
}

/**
 * Nominal length of a period in ms. Exact for `second`, `minute` and `hour`; a day counts as
 * 86 400 000 ms, a week as 7 days and a month as 30 days (calendar periods may really differ).
 *
 * @example
 * ```ts
 * periodToMs(parsePeriod('2 min')); // 120_000
 * ```
 */
export function periodToMs(p: Period): number {
  // dayjs's own month is 365/12 days, so months are converted as 30 days explicitly.
  if (p.unit === 'month') return dayjs.duration(p.amount * NOMINAL_MONTH_DAYS, 'day').asMilliseconds();
  return dayjs.duration(p.amount, p.unit).asMilliseconds();
}
