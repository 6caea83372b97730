// Parses and validates cron expressions (5 fields, or 6 with seconds first) into value sets, from
// which cron-wall.ts enumerates matching wall-clock times.
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

const FIELD_LABELS: Readonly<Record<FieldName, string>> = {
  second: 'second', minute: 'minute', hour: 'hour', dayOfMonth: 'day-of-month', month: 'month', dayOfWeek: 'day-of-week',
};

// One list item: `*`, `*/n`, `a`, `a-b` or `a-b/n` (digits only: no names, `?`, `L`, `W` or `#`).
const ITEM_PATTERN = /^(?:(\*)|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/;

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

// Expands one comma-separated field into its sorted distinct values, or returns an error detail.
function expandField(name: FieldName, text: string): number[] | string {
  const [min, max] = CRON_FIELD_RANGES[name];
  const label = FIELD_LABELS[name];
  // `*` spans the real days of the week (0-6), so `*/n` steps from Sunday once.
  const starMax = name === 'dayOfWeek' ? SUNDAY_ALT - 1 : max;
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const m = ITEM_PATTERN.exec(item);
    if (!m) return `${label} field ${JSON.stringify(text)}: ${JSON.stringify(item)} is not *, */n, a number, a-b or a-b/n`;
    const [, star, from, to, stepText] = m;
    if (star === undefined && to === undefined && stepText !== undefined) return `${label} field ${JSON.stringify(text)}: a step needs * or a range before it, as in */${stepText} or ${from}-${max}/${stepText}`;
    const lo = star !== undefined ? min : Number(from);
    const hi = star !== undefined ? starMax : Number(to ?? from);
    if (lo < min || hi > max) return `${label} field ${JSON.stringify(text)}: values must be ${min}-${max}`;
    if (lo > hi) return `${label} field ${JSON.stringify(text)}: range ${lo}-${hi} runs backwards`;
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1 || step > starMax - min + 1) return `${label} field ${JSON.stringify(text)}: step must be 1-${starMax - min + 1}`;
    for (let v = lo; v <= hi; v += step) values.add(name === 'dayOfWeek' && v === SUNDAY_ALT ? 0 : v);
  }
  return [...values].sort((a, b) => a - b);
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
  const sets: Partial<Record<FieldName, number[]>> = {};
  FIELD_ORDER.forEach((name, i) => {
    const values = expandField(name, full[i] ?? '');
    if (typeof values === 'string') throw new InvalidCronError(expr, values, option);
    sets[name] = values;
  });
  const fieldSets = sets as CronFieldSets;
  const domStar = full[3] === '*';
  const dowStar = full[5] === '*';
  if (!canEverMatch(fieldSets, dowStar)) throw new InvalidCronError(expr, 'it never matches: no chosen month has that day', option);
  const text = parts.join(' ');
  const fields = parts.length === CRON_FIELDS_WITH_SECONDS ? CRON_FIELDS_WITH_SECONDS : CRON_FIELDS_WITHOUT_SECONDS;
  return { text, fields, timezone, sets: fieldSets, wall: new WallCron(fieldSets, domStar, dowStar) };
}
