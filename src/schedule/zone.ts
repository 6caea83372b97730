// UTC-offset changes (DST and other transitions) of a zone, found by probing Intl and bisecting.
//
// Like wallToEpoch in start.ts, this assumes a zone changes its offset at most once in any two days.
import { DAY_MS, SECOND_MS, clampEpoch, epochToWall } from './start.js';

/** One change of a zone's UTC offset. Offsets are ms east of UTC. */
export interface Transition {
  /** First instant (epoch ms) at which `after` is in force. */
  at: number;
  /** Offset in force just before `at`. */
  before: number;
  /** Offset in force from `at`. */
  after: number;
}

/** UTC offset (ms east) of `timezone` (system zone when null) at instant `t`, probed inside the Date range. */
export function offsetAt(t: number, timezone: string | null): number {
  const c = clampEpoch(t);
  return epochToWall(c, timezone) - c;
}

/** Cached per-day transition lookups (named zones only) before the cache is reset. */
export const MAX_CACHED_DAYS = 20_000;

// Memo of transitionIn over whole UTC days, per named zone. The system zone (null) is not cached:
// process.env.TZ may change at run time.
const dayCache = new Map<string, Transition | null>();

/**
 * The offset change in `(from, to]`, or null when the offset at `from` equals the one at `to`
 * (assumed to mean no change: ranges here span at most two days). Bisects over whole seconds
 * (tz data has second resolution), so `at` is exact.
 */
export function transitionIn(from: number, to: number, timezone: string | null): Transition | null {
  const before = offsetAt(from, timezone);
  const after = offsetAt(to, timezone);
  if (before === after) return null;
  // Invariant: offset(lo) === before (lo a whole second), offset(hi) === after.
  let lo = Math.floor(from / SECOND_MS) * SECOND_MS;
  let hi = to;
  while (hi - lo > SECOND_MS) {
    const mid = lo + Math.floor((hi - lo) / (2 * SECOND_MS)) * SECOND_MS;
    if (offsetAt(mid, timezone) === before) lo = mid;
    else hi = mid;
  }
  // The change is at the one whole second in (lo, hi].
  return { at: Math.min(lo + SECOND_MS, hi), before, after };
}

// The transition in UTC day `day` (ms [day·DAY, (day+1)·DAY)), memoised for named zones.
function transitionOnDay(day: number, timezone: string | null): Transition | null {
  const from = day * DAY_MS - 1;
  if (timezone === null) return transitionIn(from, from + DAY_MS, null);
  const key = `${timezone}\0${day}`;
  let tr = dayCache.get(key);
  if (tr === undefined) {
    if (dayCache.size >= MAX_CACHED_DAYS) dayCache.clear();
    tr = transitionIn(from, from + DAY_MS, timezone);
    dayCache.set(key, tr);
  }
  return tr;
}

/** The offset change within a day either side of `t` (in `(t - DAY, t + DAY]`), or null. */
export function transitionNear(t: number, timezone: string | null): Transition | null {
  const day = Math.floor(t / DAY_MS);
  for (let d = day - 1; d <= day + 1; d++) {
    const tr = transitionOnDay(d, timezone);
    if (tr && tr.at > t - DAY_MS && tr.at <= t + DAY_MS) return tr;
  }
  return null;
}

/** Every offset change in `(from, to]`, oldest first, probing once per UTC day. */
export function transitionsIn(from: number, to: number, timezone: string | null): Transition[] {
  const out: Transition[] = [];
  for (let d = Math.floor(from / DAY_MS); d * DAY_MS <= to; d++) {
    const tr = transitionOnDay(d, timezone);
    if (tr && tr.at > from && tr.at <= to) out.push(tr);
  }
  return out;
}

/**
 * The first wall value at which a transition's new offset maps walls to instants: walls before it
 * use `before` (including a skipped gap's walls and both readings of a repeated hour, which take the
 * first), walls from it use `after`. Matches {@link wallToEpoch}'s choices.
 */
export function pieceBoundary(tr: Transition): number {
  return tr.at + Math.max(tr.before, tr.after);
}
