// Parses cron expressions (5 fields, or 6 with seconds first) with croner's CronPattern into value sets,
// from which cron-wall.ts enumerates matching wall-clock times (croner 10.0.1's own date walking is wrong at
// DST changes and skips 1 March for some day lists, so only its parser is used: see docs/scheduling.md).
import { CronPattern } from 'croner';
import { InvalidCronError } from '../errors.js';
import { assertTimezone } from './start.js';
import { WallCron, type CronFieldSets } from './cron-wall.js';

/** Inclusive value ranges of each cron field. Day of week accepts 7 as a second spelling of Sunday (0). */
export const CRON_FIELD_RANGES = {
  second: [0, 59],
  minute: [0, 59],
  hour: [0, 23],
  dayOfMonth: [1, 31],
  month: [1, 12],
  dayOfWeek: [0, 7],
} as const satisfies Record<keyof CronFieldSets, readonly [number, number]>;

/** Field count of a cron expression without seconds (`min hour dom month dow`). */
export const CRON_FIELDS_WITHOUT_SECONDS = 5;
/** Field count of a cron expression with a leading seconds field. */
export const CRON_FIELDS_WITH_SECONDS = 6;
/** Day-of-week value that also means Sunday. */
export const SUNDAY_ALT = 7;
/** Days in each month at most (February counts its leap day), January first. */
export const MAX_DAYS_IN_MONTH: readonly number[] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

type FieldName = keyof CronFieldSets;

const FIELD_ORDER: readonly FieldName[] = ['second', 'minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'];

// A field may hold digits, `*`, `,`, `-` and `/` only: no names, `?`, `L`, `W` or `#` (croner knows those).
const FIELD_CHARS = /^[\d*,/-]+$/;
// croner reports day of month and month 0-based in its messages ("Invalid value for day: 31" means 32).
const CRONER_VALUE_MESSAGE = /Invalid value for (\w+): (-?\d+)/;
// croner's field names -> the names our messages use.
const CRONER_FIELD_LABELS: Readonly<Record<string, [label: string, offset: number]>> = {
  second: ['second', 0], minute: ['minute', 0], hour: ['hour', 0], day: ['day-of-month', 1], month: ['month', 1], dayOfWeek: ['day-of-week', 0],
};
const FIELD_LABELS: Readonly<Record<FieldName, string>> = {
  second: 'second', minute: 'minute', hour: 'hour', dayOfMonth: 'day-of-month', month: 'month', dayOfWeek: 'day-of-week',
};

// A croner parse error as a detail for InvalidCronError, in our field names and 1-based days and months.
function cronerDetail(message: string): string {
  const text = message.replace(/^CronPattern:\s*/, '');
  const value = CRONER_VALUE_MESSAGE.exec(text);
  if (value) {
    const [label, offset] = CRONER_FIELD_LABELS[value[1]!] ?? [value[1]!, 0];
    return `${label} field: ${Number(value[2]) + offset} is out of range`;
  }
  return text.replace(/From value is larger than to value/, 'range runs backwards');
}

/**
 * A validated cron expression, bound to the time zone its wall-clock fields are read in.
 *
 * Day of month and day of week combine as in Vixie cron / POSIX: when both are restricted (neither
 * is exactly `*`) a day matches if EITHER matches (`0 0 13 * 5` = every 13th and every Friday);
 * when one is `*`, only the other one restricts.
 */
export interface CronSpec {
  /** The fields joined by single spaces, e.g. `'*\/5 * * * *'`. */
  readonly text: string;
  /** 5 (minute precision) or 6 (leading seconds field). */
  readonly fields: 5 | 6;
  /** IANA zone the fields are read in; null means the system local zone. */
  readonly timezone: string | null;
  /** Allowed values per field (Sunday is always 0 in `dayOfWeek`). */
  readonly sets: CronFieldSets;
  /** Enumerates and counts matching wall-clock times (zone-free; `cron-timing.ts` maps them to instants). */
  readonly wall: WallCron;
}

// Indices set in one of croner's flag arrays, shifted by `offset` (croner keeps day and month 0-based).
function flagged(flags: readonly number[], offset = 0): number[] {
  const out: number[] = [];
  flags.forEach((flag, i) => { if (flag) out.push(i + offset); });
  return out;
}

// Parses the six fields with croner; its errors become InvalidCronError details.
function parseWithCroner(full: string[], expr: unknown, option: string): CronFieldSets & { domStar: boolean; dowStar: boolean } {
  full.forEach((field, i) => {
    const label = FIELD_LABELS[FIELD_ORDER[i] ?? 'second'];
    if (!FIELD_CHARS.test(field)) throw new InvalidCronError(expr, `${label} field ${JSON.stringify(field)}: only numbers, *, ",", "-" and "/" are allowed`, option);
  });
  let pattern: CronPattern;
  try {
    pattern = new CronPattern(full.join(' '), undefined, { mode: '6-part' });
  } catch (error) {
    throw new InvalidCronError(expr, cronerDetail((error as Error).message), option);
  }
  return {
    second: flagged(pattern.second), minute: flagged(pattern.minute), hour: flagged(pattern.hour),
    dayOfMonth: flagged(pattern.day, 1), month: flagged(pattern.month, 1), dayOfWeek: flagged(pattern.dayOfWeek).filter((d) => d < SUNDAY_ALT),
    domStar: pattern.starDOM, dowStar: pattern.starDOW,
  };
}

// With day of week `*`, a day of month must exist in at least one chosen month (`0 0 30 2 *` never runs).
function canEverMatch(sets: CronFieldSets, dowStar: boolean): boolean {
  if (!dowStar) return true;
  const firstDay = sets.dayOfMonth[0] ?? Infinity;
  return sets.month.some((m) => firstDay <= (MAX_DAYS_IN_MONTH[m - 1] ?? 0));
}

function splitFields(expr: unknown, option: string): string[] {
  if (typeof expr !== 'string') throw new InvalidCronError(expr, 'a string', option);
  const parts = expr.trim() === '' ? [] : expr.trim().split(/\s+/);
  if (parts.length !== CRON_FIELDS_WITHOUT_SECONDS && parts.length !== CRON_FIELDS_WITH_SECONDS) {
    throw new InvalidCronError(expr, `found ${parts.length} field${parts.length === 1 ? '' : 's'}`, option);
  }
  return parts;
}

/**
 * Validates a cron expression and binds it to a time zone.
 *
 * Five fields are `minute hour day-of-month month day-of-week`; six put `second` first.
 * Each field is a comma-separated list of `*`, `*\/n`, `a`, `a-b` or `a-b/n` with plain numbers
 * (minute/second 0-59, hour 0-23, day 1-31, month 1-12, day of week 0-7 with 0 and 7 both Sunday).
 * Names (`MON`, `JAN`), `?`, `L`, `W`, `#` and nicknames (`@daily`) are not accepted. Day of month
 * and day of week use standard (Vixie) cron OR semantics when both are restricted; see {@link CronSpec}.
 *
 * @param expr - The expression, e.g. `'30 2 * * *'` or `'*\/10 * * * * *'`.
 * @param timezone - IANA zone its wall-clock fields are read in; null for the system zone.
 * @param option - Option name used in error messages. @default 'cron'
 * @throws InvalidCronError for a non-string, an empty string, a field count other than 5 or 6,
 *   out-of-range or malformed values, backwards ranges, bad steps, or a date that never occurs.
 * @throws InvalidTimezoneError for an unknown `timezone`.
 * @example
 * ```ts
 * parseCron('0 9 * * 1-5', 'Europe/Berlin').fields; // 5
 * ```
 */
export function parseCron(expr: unknown, timezone: string | null, option = 'cron'): CronSpec {
  const parts = splitFields(expr, option);
  if (timezone !== null) assertTimezone(timezone);
  const full = parts.length === CRON_FIELDS_WITH_SECONDS ? parts : ['0', ...parts];
  const { domStar, dowStar, ...fieldSets } = parseWithCroner(full, expr, option);
  if (!canEverMatch(fieldSets, dowStar)) throw new InvalidCronError(expr, 'it never matches: no chosen month has that day', option);
  const text = parts.join(' ');
  const fields = parts.length === CRON_FIELDS_WITH_SECONDS ? CRON_FIELDS_WITH_SECONDS : CRON_FIELDS_WITHOUT_SECONDS;
  return { text, fields, timezone, sets: fieldSets, wall: new WallCron(fieldSets, domStar, dowStar) };
}
