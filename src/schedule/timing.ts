// One interface over both kinds of schedule (a period from an anchor, or a cron expression).
import { ConflictingOptionsError, InvalidOptionError } from '../errors.js';
import { CronTiming } from './cron-timing.js';
import { parseCron } from './cron.js';
import { lastSlotAtOrBefore, nextSlotAfter, slotIndexAtOrBefore, type Schedule } from './next.js';
import { parsePeriod } from './period.js';

/** The slots (scheduled instants, epoch ms) of a schedule. Pure: no clock, no timers. */
export interface Timing {
  /** The first slot strictly after `t`, or null when there is none (past the supported range). */
  nextAfter(t: number): number | null;
  /** The last slot at or before `t`, or null when there is none (before the anchor / range). */
  lastAtOrBefore(t: number): number | null;
  /**
   * How many slots lie in `(after, atOrBefore]`, without enumerating them. Optional: planners fall
   * back to walking {@link Timing.lastAtOrBefore} when a timing lacks it.
   */
  count?(after: number, atOrBefore: number): number;
}

/** The schedule fields of a task, as stored in its record. */
export interface TimingSpec {
  /** A period string such as `'1 hour'`, or null. */
  period: string | null;
  /** A cron expression, or null. */
  cron: string | null;
  /** ISO instant anchoring a period (slot 0); null means `addedAt`. */
  start: string | null;
  /** IANA zone for calendar periods and cron fields; null means the system zone. */
  timezone: string | null;
  /** ISO instant the task was added: the anchor of a period without `start`. */
  addedAt: string;
}

// Slots of a period schedule, via next.ts (index arithmetic, constant time per call).
function periodTiming(s: Schedule): Timing {
  return {
    nextAfter: (t) => {
      const v = nextSlotAfter(s, t);
      return Number.isFinite(v) ? v : null;
    },
    lastAtOrBefore: (t) => lastSlotAtOrBefore(s, t),
    count: (after, atOrBefore) => (atOrBefore > after ? slotIndexAtOrBefore(s, atOrBefore) - slotIndexAtOrBefore(s, after) : 0),
  };
}

/**
 * The timing of a task's schedule, or null when it has neither `period` nor `cron`.
 *
 * - period: slot k is `anchor + k·period` (calendar periods keep the anchor's wall-clock time in
 *   `timezone`), anchor = `start ?? addedAt`; see `schedule/next.ts`.
 * - cron: the instants whose wall-clock time in `timezone` matches. A matching wall time that a
 *   DST jump skips fires once, moved forward by the gap (02:30 -> 03:30 on the Berlin spring-forward
 *   night, exactly like a period's calendar slot); one that repeats fires once, at its first
 *   occurrence. Each matching wall time fires exactly once. The expression is parsed once per timing.
 *
 * @throws InvalidCronError, InvalidPeriodError or InvalidTimezoneError for invalid stored fields;
 *   ConflictingOptionsError when both `period` and `cron` are set; InvalidOptionError when the anchor is not a date.
 * @example
 * ```ts
 * const t = timingOf({ period: null, cron: '0 * * * *', start: null, timezone: 'UTC', addedAt: '2026-01-01T00:00:00Z' })!;
 * t.nextAfter(Date.UTC(2026, 0, 1, 10, 30)); // Date.UTC(2026, 0, 1, 11)
 * ```
 */
export function timingOf(spec: TimingSpec): Timing | null {
  if (spec.period !== null && spec.cron !== null) throw new ConflictingOptionsError('period', 'cron', { period: spec.period, cron: spec.cron });
  if (spec.cron !== null) {
    const cron = new CronTiming(parseCron(spec.cron, spec.timezone));
    return { nextAfter: (t) => cron.nextAfter(t), lastAtOrBefore: (t) => cron.lastAtOrBefore(t), count: (a, b) => cron.count(a, b) };
  }
  if (spec.period === null) return null;
  const anchor = Date.parse(spec.start ?? spec.addedAt);
  if (!Number.isFinite(anchor)) throw new InvalidOptionError('start', 'an ISO date', spec.start ?? spec.addedAt);
  return periodTiming({ period: parsePeriod(spec.period), anchor, timezone: spec.timezone });
}
