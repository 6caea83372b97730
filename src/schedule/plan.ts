// Decides which schedule slots are due at a given time (fire, catch up, or count as missed), and
// previews the next fire times. Pure: the caller passes `now`.
import { InvalidOptionError } from '../errors.js';
import { jitterOf } from './jitter.js';
import type { Timing } from './timing.js';

/** At most this many missed slots are listed in {@link Plan.missed}; {@link Plan.missedCount} has the total. */
export const MAX_MISSED_LISTED = 1000;

/** What to do with slots that were not fired on time. */
export type CatchUp = 'none' | 'one' | 'all';

/** Input of {@link planDue}. All times are epoch ms. */
export interface PlanInput {
  /** The schedule. */
  timing: Timing;
  /** Task name: seeds the jitter. */
  name: string;
  /** Maximum jitter; each slot fires `jitterOf(name, slot, jitterMs)` ms after its time. */
  jitterMs: number;
  /** The newest slot already handled (fired or missed), or null for a task never scheduled yet. */
  lastScheduledAt: number | null;
  /** The current time. */
  now: number;
  /** Catch-up policy for missed slots. */
  catchUp: CatchUp;
  /** With `catchUp: 'all'`, fire at most this many missed slots (the newest). */
  maxCatchUp: number;
  /** A slot fired more than this after its fire time is missed rather than on time. */
  lateMs: number;
}

/** Output of {@link planDue}. */
export interface Plan {
  /** Slots to fire now, oldest first: catch-ups, then the newest on-time slot. */
  fire: number[];
  /**
   * Slots not fired, oldest first. All of them when there are at most {@link MAX_MISSED_LISTED};
   * otherwise the oldest one followed by the newest `MAX_MISSED_LISTED - 1`.
   */
  missed: number[];
  /** How many slots were missed in total (not fired). */
  missedCount: number;
  /** The newest slot considered: the new `lastScheduledAt` (unchanged when nothing was due). */
  last: number | null;
  /** Fire time (slot + jitter) of the first slot after `last`, or null when there is none. */
  nextFireAt: number | null;
}

// What a backward walk from `now` found.
interface Scan {
  onTime: number | null;
  // Missed slots seen, newest first (fireable but not the newest on-time one, or overtaken by a newer slot).
  missed: number[];
  newestFireable: number | null;
  // Oldest slot walked when the walk stopped early, else null (everything down to `lastScheduledAt` was seen).
  stoppedAt: number | null;
}

/**
 * When slot `slot` fires: `slot + jitterOf(name, slot, cap)`, where the cap is `jitterMs` but always less than the gap to
 * the next slot, so a jittered run never overtakes the next slot's and runs keep their order.
 * @example `fireTimeOf(timing, 'report', slot, 30_000)`
 */
export function fireTimeOf(timing: Timing, name: string, slot: number, jitterMs: number): number {
  if (jitterMs <= 0) return slot;
  const next = timing.nextAfter(slot);
  const cap = next === null ? jitterMs : Math.min(jitterMs, next - slot - 1);
  return slot + jitterOf(name, slot, Math.max(0, cap));
}

function catchUpCount(input: PlanInput): number {
  if (input.catchUp === 'none') return 0;
  if (input.catchUp === 'one') return 1;
  return Math.max(0, Math.floor(input.maxCatchUp));
}

// Walks slots in (lastScheduledAt, now] newest first, stopping once older slots can only be missed and
// enough missed ones are known (the rest are counted, not walked: a long downtime stays cheap).
function scan(input: PlanInput, keep: number, fireAt: (s: number) => number): Scan {
  const { timing, now, lateMs, jitterMs } = input;
  const lo = input.lastScheduledAt ?? -Infinity;
  const out: Scan = { onTime: null, missed: [], newestFireable: null, stoppedAt: null };
  // Below `certain`, every slot is fireable; below `onTimeFloor`, none can be on time.
  const certain = now - jitterMs;
  const onTimeFloor = now - lateMs - jitterMs;
  for (let s = timing.lastAtOrBefore(now); s !== null && s > lo; s = timing.lastAtOrBefore(s - 1)) {
    const fireable = s <= certain || fireAt(s) <= now;
    if (!fireable) {
      // Still pending (newer than anything fireable), or overtaken by a newer slot's earlier fire time.
      if (out.newestFireable !== null) out.missed.push(s);
      continue;
    }
    out.newestFireable ??= s;
    if (out.onTime === null && now - fireAt(s) <= lateMs) out.onTime = s;
    else out.missed.push(s);
    if (out.missed.length >= keep && s <= certain && (out.onTime !== null || s < onTimeFloor)) {
      out.stoppedAt = s;
      break;
    }
  }
  return out;
}

// Slots in (after, before) by the timing's own counter, or by walking when it has none.
function countBetween(timing: Timing, after: number, before: number): number {
  if (timing.count) return timing.count(after, before - 1);
  let n = 0;
  for (let s = timing.lastAtOrBefore(before - 1); s !== null && s > after; s = timing.lastAtOrBefore(s - 1)) n++;
  return n;
}

// The missed list: everything when short, else the oldest plus the newest MAX_MISSED_LISTED - 1.
function listMissed(notFiredNewestFirst: number[], oldest: number | null, total: number): number[] {
  if (total <= MAX_MISSED_LISTED) return [...notFiredNewestFirst].reverse();
  const newest = notFiredNewestFirst.slice(0, MAX_MISSED_LISTED - 1).reverse();
  return oldest === null ? newest : [oldest, ...newest];
}

function assertNumber(value: number, option: string, finite: boolean): void {
  if (typeof value !== 'number' || Number.isNaN(value) || (finite && !Number.isFinite(value))) {
    throw new InvalidOptionError(option, finite ? 'a finite number' : 'a number', value);
  }
}

function nextFireAfter(timing: Timing, after: number, fireAt: (s: number) => number): number | null {
  const s = timing.nextAfter(after);
  return s === null ? null : fireAt(s);
}

// A task never scheduled: only its newest fireable slot counts, and only if it is on time.
function planFresh(input: PlanInput, fireAt: (s: number) => number): Plan {
  const { timing, now, lateMs, jitterMs } = input;
  const s0 = scan({ ...input, lastScheduledAt: null }, 0, fireAt).newestFireable;
  if (s0 === null) return { fire: [], missed: [], missedCount: 0, last: null, nextFireAt: nextFireAfter(timing, now - jitterMs, fireAt) };
  const fire = now - fireAt(s0) <= lateMs ? [s0] : [];
  return { fire, missed: [], missedCount: 0, last: s0, nextFireAt: nextFireAfter(timing, s0, fireAt) };
}

/**
 * Which slots of a schedule are due at `now`.
 *
 * A slot `s` is fireable when `s + jitterOf(name, s, jitterMs) <= now`. Among the fireable slots
 * after `lastScheduledAt`, the newest one no more than `lateMs` past its fire time is on time and
 * fires. Every other one is missed: `catchUp: 'none'` fires none of them, `'one'` fires the newest (unless a
 * slot is on time: then that slot is the one run after the downtime),
 * `'all'` the newest `maxCatchUp`. With `lastScheduledAt === null` (a new task) only the newest
 * fireable slot counts, and fires only if on time: history is never caught up.
 *
 * When jitter exceeds the gap between slots, a later slot can become fireable first; an earlier
 * slot it overtakes is then counted as missed. Cost: O(fired + listed missed + slots within
 * `jitterMs + lateMs` of `now`) timing calls, whatever the downtime (older slots are counted via
 * `timing.count`).
 *
 * @throws InvalidOptionError when `now`, `lastScheduledAt`, `jitterMs` or `maxCatchUp` is not a
 *   finite number, or `lateMs` is NaN (it may be `Infinity`: never late).
 * @example
 * ```ts
 * const plan = planDue({ timing, name: 'report', jitterMs: 0, lastScheduledAt: null, now: Date.now(), catchUp: 'one', maxCatchUp: 1, lateMs: 2000 });
 * for (const slot of plan.fire) launch(slot);
 * ```
 */
export function planDue(input: PlanInput): Plan {
  assertNumber(input.now, 'now', true);
  assertNumber(input.jitterMs, 'jitterMs', true);
  assertNumber(input.maxCatchUp, 'maxCatchUp', true);
  assertNumber(input.lateMs, 'lateMs', false);
  if (input.lastScheduledAt !== null) assertNumber(input.lastScheduledAt, 'lastScheduledAt', true);
  const { timing, name, jitterMs, lastScheduledAt } = input;
  const fireAt = (s: number): number => fireTimeOf(timing, name, s, jitterMs);
  if (lastScheduledAt === null) return planFresh(input, fireAt);
  const found = scan(input, catchUpCount(input) + MAX_MISSED_LISTED, fireAt);
  // 'one' runs once after downtime: an on-time slot is that run, so the missed ones are skipped.
  const catchN = input.catchUp === 'one' && found.onTime !== null ? 0 : catchUpCount(input);
  const catchUps = found.missed.slice(0, catchN);
  const notFired = found.missed.slice(catchN);
  const older = found.stoppedAt === null ? 0 : countBetween(timing, lastScheduledAt, found.stoppedAt);
  const missedCount = notFired.length + older;
  const oldest = older > 0 ? timing.nextAfter(lastScheduledAt) : notFired.at(-1) ?? null;
  const fire = (found.onTime === null ? catchUps : [...catchUps, found.onTime]).sort((a, b) => a - b);
  const last = found.newestFireable ?? lastScheduledAt;
  return { fire, missed: listMissed(notFired, oldest, missedCount), missedCount, last, nextFireAt: nextFireAfter(timing, last, fireAt) };
}

/**
 * The next `n` times (epoch ms) the scheduler will fire: first the fire times (slot + jitter, so
 * possibly before `now`) of the due slots a pass at `now` would fire by `policy` (catch-ups and an
 * on-time slot), then the fire times of the slots after them. Computed by replaying {@link planDue}
 * at each returned time, so both agree.
 *
 * @param lateMs - A due slot further than this past its fire time is missed: listed only if `policy`
 *   catches it up (for a task never scheduled, never). Pass the scheduler's threshold. @default Infinity
 * @param policy - The task's `catchUp` and `maxCatchUp`. @default `{ catchUp: 'none', maxCatchUp: 0 }`
 * @example
 * ```ts
 * previewRuns(timing, 'report', 0, null, Date.now(), 3); // the next three fire times
 * ```
 */
export function previewRuns(
  timing: Timing, name: string, jitterMs: number, lastScheduledAt: number | null, now: number, n: number, lateMs = Infinity,
  policy: { catchUp: CatchUp; maxCatchUp: number } = { catchUp: 'none', maxCatchUp: 0 },
): number[] {
  const base = { timing, name, jitterMs, catchUp: 'none' as const, maxCatchUp: 0 };
  const fireAt = (s: number): number => fireTimeOf(timing, name, s, jitterMs);
  // Now: what a pass at `now` would fire, by the task's own catch-up policy (missed slots it skips are not listed).
  let plan = planDue({ ...base, ...policy, lastScheduledAt, now, lateMs });
  const out = plan.fire.slice(0, n).map(fireAt);
  let cursor = plan.last;
  let at = plan.nextFireAt;
  while (out.length < n && at !== null) {
    out.push(at);
    plan = planDue({ ...base, lastScheduledAt: cursor, now: at, lateMs: Infinity });
    cursor = plan.last;
    at = plan.nextFireAt;
  }
  return out;
}
