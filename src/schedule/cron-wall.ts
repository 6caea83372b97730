// Wall-clock side of a cron schedule: which wall times match, next/previous match and counts, all
// computed from the parsed value sets (no time zone involved; cron-timing.ts maps walls to instants).
//
// A "wall" is a wall-clock time encoded as the epoch ms it would have in UTC (see start.ts).
//
// croner 10.0.1 is not used to enumerate: its nextRun skips matches in OR mode when the day list has
// a day the month lacks (`12 20 1,31 * 2` from 2024-02-28 gives 03-05, not 03-01), its previousRuns
// returns wrong runs or throws, and its time-zone mode misplaces runs around DST changes.
import { DAYS_PER_WEEK, MONTHS_PER_YEAR } from './next.js';
import { DAY_MS, SECOND_MS, wallFromFields } from './start.js';

/** Allowed values of each cron field, sorted ascending (Sunday is 0 in `dayOfWeek`). */
export interface CronFieldSets {
  readonly second: readonly number[];
  readonly minute: readonly number[];
  readonly hour: readonly number[];
  readonly dayOfMonth: readonly number[];
  readonly month: readonly number[];
  readonly dayOfWeek: readonly number[];
}

/** Earliest wall searched (year 1000). */
export const MIN_CRON_WALL = wallFromFields(1000, 0, 1);
/** Latest wall searched (end of year 2999): far enough for any schedule, and keeps searches bounded. */
export const MAX_CRON_WALL = wallFromFields(3000, 0, 1) - 1;
/** Seconds in one day. */
export const SECONDS_PER_DAY = 86_400;
/** Seconds in one hour. */
export const SECONDS_PER_HOUR = 3600;
/** Seconds (and minutes) per minute (and hour). */
export const SIXTY = 60;
/** Hours in a day. */
export const HOURS_PER_DAY = 24;
/** Largest day of a month. */
export const MAX_DAY_OF_MONTH = 31;

// prefix[v] = how many members are < v, for v in 0..size.
function prefixCounts(values: readonly number[], size: number): number[] {
  const out = new Array<number>(size + 1).fill(0);
  for (const v of values) for (let i = v + 1; i <= size; i++) out[i] = (out[i] ?? 0) + 1;
  return out;
}

// ge[v] = the smallest member >= v, or -1, for v in 0..size-1.
function smallestAtOrAbove(values: readonly number[], size: number): number[] {
  const out = new Array<number>(size).fill(-1);
  for (const v of [...values].reverse()) for (let i = v; i >= 0; i--) out[i] = v;
  return out;
}

// le[v] = the largest member <= v, or -1, for v in 0..size-1.
function largestAtOrBelow(values: readonly number[], size: number): number[] {
  const out = new Array<number>(size).fill(-1);
  for (const v of values) for (let i = v; i < size; i++) out[i] = v;
  return out;
}

function flags(values: readonly number[], size: number): boolean[] {
  const out = new Array<boolean>(size).fill(false);
  for (const v of values) out[v] = true;
  return out;
}

/** Enumerates and counts the wall-clock times a cron expression matches (matches fall on whole seconds). */
export class WallCron {
  private readonly isMinute: boolean[];
  private readonly isHour: boolean[];
  private readonly isDom: boolean[];
  private readonly isMonth: boolean[];
  private readonly isDow: boolean[];
  private readonly lessSecond: number[];
  private readonly lessMinute: number[];
  private readonly lessHour: number[];
  private readonly leSecond: number[];
  private readonly leMinute: number[];
  private readonly leHour: number[];
  private readonly geSecond: number[];
  private readonly geMinute: number[];
  private readonly geHour: number[];
  private readonly perHour: number;
  private readonly perDay: number;

  /**
   * @param sets - The allowed values of each field.
   * @param domStar - Whether day of month is exactly `*` (then day of week alone restricts days).
   * @param dowStar - Whether day of week is exactly `*` (then day of month alone restricts days).
   */
  constructor(sets: CronFieldSets, private readonly domStar: boolean, private readonly dowStar: boolean) {
    this.isMinute = flags(sets.minute, SIXTY);
    this.isHour = flags(sets.hour, HOURS_PER_DAY);
    this.isDom = flags(sets.dayOfMonth, MAX_DAY_OF_MONTH + 1);
    this.isMonth = flags(sets.month, MONTHS_PER_YEAR + 1);
    this.isDow = flags(sets.dayOfWeek, DAYS_PER_WEEK);
    this.lessSecond = prefixCounts(sets.second, SIXTY);
    this.lessMinute = prefixCounts(sets.minute, SIXTY);
    this.lessHour = prefixCounts(sets.hour, HOURS_PER_DAY);
    this.leSecond = largestAtOrBelow(sets.second, SIXTY);
    this.leMinute = largestAtOrBelow(sets.minute, SIXTY);
    this.leHour = largestAtOrBelow(sets.hour, HOURS_PER_DAY);
    this.geSecond = smallestAtOrAbove(sets.second, SIXTY);
    this.geMinute = smallestAtOrAbove(sets.minute, SIXTY);
    this.geHour = smallestAtOrAbove(sets.hour, HOURS_PER_DAY);
    this.perHour = sets.minute.length * sets.second.length;
    this.perDay = sets.hour.length * this.perHour;
  }

  /**
   * The first matching wall strictly after `wall`, or null after year 2999: the first matching time
   * of day on the first matching day, one `Date` per day stepped forward.
   */
  next(wall: number): number | null {
    if (!(wall < MAX_CRON_WALL)) return null;
    const s = Math.floor(Math.max(wall, MIN_CRON_WALL - 1) / SECOND_MS) + 1;
    let day = Math.floor(s / SECONDS_PER_DAY);
    const tod = this.firstTimeOfDay(s - day * SECONDS_PER_DAY);
    if (tod !== null && this.dayMatches(day)) return (day * SECONDS_PER_DAY + tod) * SECOND_MS;
    const firstOfDay = this.firstTimeOfDay(0) ?? 0;
    for (day++; day * DAY_MS <= MAX_CRON_WALL; day++) {
      if (this.dayMatches(day)) return (day * SECONDS_PER_DAY + firstOfDay) * SECOND_MS;
    }
    return null;
  }

  // The first matching time of day (seconds) at or after `tod`, or null.
  private firstTimeOfDay(tod: number): number | null {
    const h = Math.floor(tod / SECONDS_PER_HOUR);
    const m = Math.floor((tod % SECONDS_PER_HOUR) / SIXTY);
    const minS = this.geSecond[0] ?? -1;
    const minM = this.geMinute[0] ?? -1;
    if (this.isHour[h]) {
      const sec = this.isMinute[m] ? this.geSecond[tod % SIXTY] ?? -1 : -1;
      if (sec >= 0) return h * SECONDS_PER_HOUR + m * SIXTY + sec;
      const min = m < SIXTY - 1 ? this.geMinute[m + 1] ?? -1 : -1;
      if (min >= 0) return h * SECONDS_PER_HOUR + min * SIXTY + minS;
    }
    const hour = h < HOURS_PER_DAY - 1 ? this.geHour[h + 1] ?? -1 : -1;
    return hour >= 0 ? hour * SECONDS_PER_HOUR + minM * SIXTY + minS : null;
  }

  /**
   * The last matching wall at or before `wall`, or null before year 1000: the last matching time
   * of day on the last matching day, one `Date` per day stepped back.
   */
  prevAtOrBefore(wall: number): number | null {
    if (!(wall >= MIN_CRON_WALL)) return null;
    const s = Math.floor(Math.min(wall, MAX_CRON_WALL) / SECOND_MS);
    let day = Math.floor(s / SECONDS_PER_DAY);
    const tod = this.lastTimeOfDay(s - day * SECONDS_PER_DAY);
    if (tod !== null && this.dayMatches(day)) return (day * SECONDS_PER_DAY + tod) * SECOND_MS;
    const lastOfDay = this.lastTimeOfDay(SECONDS_PER_DAY - 1) ?? 0;
    for (day--; day * DAY_MS >= MIN_CRON_WALL; day--) {
      if (this.dayMatches(day)) return (day * SECONDS_PER_DAY + lastOfDay) * SECOND_MS;
    }
    return null;
  }

  // The last matching time of day (seconds) at or before `tod`, or null.
  private lastTimeOfDay(tod: number): number | null {
    const h = Math.floor(tod / SECONDS_PER_HOUR);
    const m = Math.floor((tod % SECONDS_PER_HOUR) / SIXTY);
    const maxS = this.leSecond[SIXTY - 1] ?? -1;
    const maxM = this.leMinute[SIXTY - 1] ?? -1;
    if (this.isHour[h]) {
      const sec = this.isMinute[m] ? this.leSecond[tod % SIXTY] ?? -1 : -1;
      if (sec >= 0) return h * SECONDS_PER_HOUR + m * SIXTY + sec;
      const min = m > 0 ? this.leMinute[m - 1] ?? -1 : -1;
      if (min >= 0) return h * SECONDS_PER_HOUR + min * SIXTY + maxS;
    }
    const hour = h > 0 ? this.leHour[h - 1] ?? -1 : -1;
    return hour >= 0 ? hour * SECONDS_PER_HOUR + maxM * SIXTY + maxS : null;
  }

  /** Whether the day `day` (days since 1970-01-01 in wall time) has matches, by the month and day rules. */
  dayMatches(day: number): boolean {
    const d = new Date(day * DAY_MS);
    if (!this.isMonth[d.getUTCMonth() + 1]) return false;
    const dom = this.isDom[d.getUTCDate()] === true;
    const dow = this.isDow[d.getUTCDay()] === true;
    if (this.dowStar) return dom;
    if (this.domStar) return dow;
    return dom || dow;
  }

  /** Whether `wall` (ms) is exactly a matching time. */
  matches(wall: number): boolean {
    if (wall % SECOND_MS !== 0) return false;
    const s = wall / SECOND_MS;
    const day = Math.floor(s / SECONDS_PER_DAY);
    return this.dayMatches(day) && this.timeOfDayCount(s - day * SECONDS_PER_DAY) - this.timeOfDayCount(s - day * SECONDS_PER_DAY - 1) === 1;
  }

  // Matching times of day in [0, tod] seconds (0 for tod < 0) on a matching day.
  private timeOfDayCount(tod: number): number {
    if (tod < 0) return 0;
    const h = Math.floor(tod / SECONDS_PER_HOUR);
    const m = Math.floor((tod % SECONDS_PER_HOUR) / SIXTY);
    const s = tod % SIXTY;
    const perMinute = this.lessSecond[SIXTY] ?? 0;
    let n = (this.lessHour[h] ?? 0) * this.perHour;
    if (this.isHour[h]) n += (this.lessMinute[m] ?? 0) * perMinute + (this.isMinute[m] ? this.lessSecond[s + 1] ?? 0 : 0);
    return n;
  }

  /**
   * How many matching walls lie in `(from, to]`, clamped to the searchable range. Arithmetic per
   * day (one `Date` per day in the range), so it stays fast for long ranges of a per-second cron.
   */
  count(from: number, to: number): number {
    const x = Math.floor(Math.max(from, MIN_CRON_WALL - 1) / SECOND_MS);
    const y = Math.floor(Math.min(to, MAX_CRON_WALL) / SECOND_MS);
    if (!(y > x)) return 0;
    const dx = Math.floor(x / SECONDS_PER_DAY);
    const dy = Math.floor(y / SECONDS_PER_DAY);
    let n = 0;
    for (let d = dx; d < dy; d++) if (this.dayMatches(d)) n += this.perDay;
    if (this.dayMatches(dy)) n += this.timeOfDayCount(y - dy * SECONDS_PER_DAY);
    if (this.dayMatches(dx)) n -= this.timeOfDayCount(x - dx * SECONDS_PER_DAY);
    return n;
  }
}
