// Parses `start` values, validates time zones, and converts instants <-> wall-clock times in a zone.
//
// A "wall" value is a wall-clock time encoded as the epoch ms it would have in UTC: the wall time
// 2021-02-27 13:00:00 (in any zone) is wall 1614430800000. Arithmetic on walls is plain calendar
// arithmetic; `wallToEpoch`/`epochToWall` do the zone conversion (with Intl, not dayjs-timezone,
// whose conversion picks the later instant of an ambiguous time and whose `add` ignores DST).
import dayjs from 'dayjs';
import customParseFormat from 'dayjs/plugin/customParseFormat.js';
import utc from 'dayjs/plugin/utc.js';
import { InvalidStartError, InvalidTimezoneError } from '../errors.js';

dayjs.extend(utc);
dayjs.extend(customParseFormat);

/** Milliseconds in one nominal day. */
export const DAY_MS = 86_400_000;
/** Milliseconds in one hour. */
export const HOUR_MS = 3_600_000;
/** Milliseconds in one minute. */
export const MINUTE_MS = 60_000;
/** Milliseconds in one second. */
export const SECOND_MS = 1000;
/** Largest absolute epoch ms a `Date` can hold (ECMAScript time range, about year 275 760). */
export const MAX_EPOCH_MS = 8.64e15;
/** Largest hour allowed in an explicit UTC offset such as `+05:30`. */
export const MAX_OFFSET_HOURS = 23;
/** Largest minute allowed in an explicit UTC offset. */
export const MAX_OFFSET_MINUTES = 59;

// Date, then optionally a time (T, t or space), then optionally Z or an offset (+05, +0530, +05:30).
const START_PATTERN = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const OFFSET_PATTERN = /^([+-])(\d{2}):?(\d{2})?$/;
// The full shape every start string is padded to before dayjs validates it strictly.
const WALL_FORMAT = 'YYYY-MM-DD HH:mm:ss.SSS';
const MS_DIGITS = 3;

const formatters = new Map<string, Intl.DateTimeFormat>();

// One cached formatter per zone; constructing it throws RangeError for an unknown zone.
function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timezone, f);
  }
  return f;
}

/**
 * Returns `tz` unchanged if it is a time zone `Intl.DateTimeFormat` knows (an IANA name such as
 * `'America/New_York'` or `'UTC'`).
 *
 * @throws InvalidTimezoneError for unknown zones, empty strings and non-strings.
 * @example
 * ```ts
 * assertTimezone('Europe/Berlin'); // 'Europe/Berlin'
 * ```
 */
export function assertTimezone(tz: unknown): string {
  if (typeof tz !== 'string' || tz.trim() !== tz || tz === '') throw new InvalidTimezoneError(tz);
  try {
    formatterFor(tz);
  } catch {
    throw new InvalidTimezoneError(tz);
  }
  return tz;
}

/**
 * Builds a wall value from calendar fields (all years, including 0-99; fields may overflow, as
 * with `Date.UTC`). Returns NaN outside the `Date` range.
 */
export function wallFromFields(year: number, monthIndex: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  return d.setUTCHours(hour, minute, second, ms);
}

/**
 * The wall-clock time of instant `epochMs` in `timezone` (the system local zone when null), as a
 * wall value (see the module comment). Returns NaN outside the `Date` range.
 */
export function epochToWall(epochMs: number, timezone: string | null): number {
  if (!(Math.abs(epochMs) <= MAX_EPOCH_MS)) return NaN;
  if (timezone === null) {
    const d = new Date(epochMs);
    return wallFromFields(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds());
  }
  const f: Record<string, string> = {};
  for (const part of formatterFor(timezone).formatToParts(epochMs)) f[part.type] = part.value;
  const year = f.era === 'BC' ? 1 - Number(f.year) : Number(f.year);
  const ms = ((epochMs % SECOND_MS) + SECOND_MS) % SECOND_MS;
  return wallFromFields(year, Number(f.month) - 1, Number(f.day), Number(f.hour), Number(f.minute), Number(f.second), ms);
}

/**
 * Clamps an epoch to at least a day inside the `Date` range, where the wall time of every zone is
 * still representable (a wall can be up to a day beyond its instant).
 */
export function clampEpoch(epochMs: number): number {
  return Math.max(DAY_MS - MAX_EPOCH_MS, Math.min(MAX_EPOCH_MS - DAY_MS, epochMs));
}

// UTC offset (ms, east positive) of `timezone` at an instant, probing a day inside the range edge if beyond it.
function offsetAt(epochMs: number, timezone: string | null): number {
  const t = clampEpoch(epochMs);
  return epochToWall(t, timezone) - t;
}

/**
 * The instant at which the wall clock of `timezone` (system local zone when null) shows `wall`.
 * A wall time skipped by a forward jump (DST gap) moves forward by the gap (02:30 -> 03:30 on the
 * Berlin spring-forward day); a repeated one (fall-back) resolves to its first, earlier occurrence.
 * Returns NaN for a NaN wall.
 */
export function wallToEpoch(wall: number, timezone: string | null): number {
  if (Number.isNaN(wall)) return NaN;
  // Offsets a day either side bracket at most one transition around `wall` in every real zone.
  const before = offsetAt(wall - DAY_MS, timezone);
  const after = offsetAt(wall + DAY_MS, timezone);
  // Fast path: the same offset a day either side and at the candidate instant means no transition.
  if (before === after && offsetAt(wall - before, timezone) === before) return wall - before;
  const offsets = new Set([before, offsetAt(wall, timezone), after]);
  let best = NaN;
  for (const offset of offsets) {
    const t = wall - offset;
    if (offsetAt(t, timezone) === offset && !(t >= best)) best = t;
  }
  // No offset reproduces `wall`: it is in a gap, so read it with the offset in force before the gap.
  return Number.isNaN(best) ? wall - before : best;
}

// Parses an offset such as 'Z', '+05', '-0330' or '+05:30' into ms east of UTC; NaN if out of range.
function parseOffset(text: string): number {
  if (text.toUpperCase() === 'Z') return 0;
  const m = OFFSET_PATTERN.exec(text);
  const hours = Number(m?.[2]);
  const minutes = Number(m?.[3] ?? 0);
  if (!m || hours > MAX_OFFSET_HOURS || minutes > MAX_OFFSET_MINUTES) return NaN;
  return (m[1] === '-' ? -1 : 1) * (hours * HOUR_MS + minutes * MINUTE_MS);
}

// Parses a start string to epoch ms, or NaN when it is not a valid date.
function parseStartString(input: string, timezone: string | null): number {
  const m = START_PATTERN.exec(input.trim());
  if (!m) return NaN;
  const [, date, hh = '00', mm = '00', ss = '00', frac = '', offset] = m;
  const text = `${date} ${hh}:${mm}:${ss}.${frac.padEnd(MS_DIGITS, '0')}`;
  // Strict parsing rejects out-of-range fields such as month 13, Feb 30 or hour 99.
  const parsed = dayjs.utc(text, WALL_FORMAT, true);
  if (!parsed.isValid()) return NaN;
  const wall = parsed.valueOf();
  return offset === undefined ? wallToEpoch(wall, timezone) : wall - parseOffset(offset);
}

/**
 * Converts a task's `start` option to epoch ms.
 *
 * - a valid `Date`, or a finite epoch-ms number (truncated to whole ms, as `Date` does);
 * - an ISO string with `Z` or an explicit offset is absolute: `'2021-02-27T13:00:00Z'`,
 *   `'2021-02-27 13:00+05:30'`;
 * - a string without an offset is a wall-clock time in `timezone` (the system local zone when
 *   null): `'2021-02-27 13:00:00'`, `'2021-02-27T13:00'`, `'2021-02-27'` (midnight),
 *   optionally with up to 3 fraction digits. DST gaps and overlaps resolve as in {@link wallToEpoch}.
 *
 * @throws InvalidStartError for anything else (garbage, out-of-range fields, NaN, objects).
 * @throws InvalidTimezoneError if `timezone` is not null and not a known zone.
 * @example
 * ```ts
 * parseStart('2021-02-27 13:00:00', 'America/New_York'); // 1614448800000 (18:00Z)
 * ```
 */
export function parseStart(input: unknown, timezone: string | null): number {
  if (timezone !== null) assertTimezone(timezone);
  let ms = NaN;
  if (input instanceof Date || (typeof input === 'number' && Number.isFinite(input))) ms = new Date(input).getTime();
  else if (typeof input === 'string') ms = parseStartString(input, timezone);
  if (!(Math.abs(ms) <= MAX_EPOCH_MS)) throw new InvalidStartError(input);
  return ms;
}
