// Instants of a cron schedule in its time zone, exact across DST changes.
//
// The slots are { wallToEpoch(w) : w a matching wall time } — the same wall -> instant rule as
// period schedules (start.ts): a wall time skipped by a forward jump moves forward by the gap
// (02:30 on the Berlin spring-forward night fires at 03:30 CEST; if 03:30 also matches, once), and
// a repeated wall time fires at its first occurrence only (02:30 on the fall-back night fires
// once, at 02:30 CEST). So each matching wall-clock time fires exactly once.
//
// Croner's time-zone mode is not used (in croner 10.0.1 `nextRun` can return an instant before its
// argument inside a repeated hour, and `previousRuns` misorders runs near DST changes). Instead
// cron-wall.ts enumerates wall times and this module maps them. The mapping is monotonic except
// just after a forward jump, where the skipped walls' instants interleave with the first walls
// after the gap; the functions below look at both "pieces" there.
import { InvalidOptionError } from '../errors.js';
import type { CronSpec } from './cron.js';
import { DAY_MS, MAX_EPOCH_MS, wallToEpoch } from './start.js';
import { offsetAt, pieceBoundary, transitionNear, transitionsIn, type Transition } from './zone.js';

function assertInstant(t: number, option: string): void {
  if (typeof t !== 'number' || !(Math.abs(t) <= MAX_EPOCH_MS)) {
    throw new InvalidOptionError(option, 'an epoch in ms within the Date range', t);
  }
}

function minOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

// A transition is a forward jump (gap) when the offset grows.
function isGap(tr: Transition | null): tr is Transition {
  return tr !== null && tr.after > tr.before;
}

/** Slot arithmetic for one parsed cron expression (parsed once, reused by every call). */
export class CronTiming {
  constructor(private readonly spec: CronSpec) {}

  private image(wall: number | null): number | null {
    return wall === null ? null : wallToEpoch(wall, this.spec.timezone);
  }

  /** The first slot strictly after `t` (epoch ms), or null when none exists before year 3000. */
  nextAfter(t: number): number | null {
    assertInstant(t, 't');
    const tz = this.spec.timezone;
    const { wall } = this.spec;
    const tr = transitionNear(t, tz);
    let best: number | null;
    if (tr) {
      const b = pieceBoundary(tr);
      const w1 = wall.next(t + tr.before);
      const c1 = w1 !== null && w1 < b ? this.image(w1) : null;
      const c2 = this.image(wall.next(Math.max(t + tr.after, b - 1)));
      best = minOf(c1 !== null && c1 > t ? c1 : null, c2 !== null && c2 > t ? c2 : null);
    } else {
      best = this.image(wall.next(t + offsetAt(t, tz)));
    }
    return best === null ? null : this.earlierAfterGap(best, t);
  }

  // If `best` is the instant of a skipped wall time, the first wall after that gap may map earlier.
  private earlierAfterGap(best: number, t: number): number {
    const tr = transitionNear(best, this.spec.timezone);
    if (!isGap(tr) || best < tr.at || best >= tr.at + tr.after - tr.before) return best;
    const c = this.image(this.spec.wall.next(pieceBoundary(tr) - 1));
    return c !== null && c > t && c < best ? c : best;
  }

  /** The last slot at or before `t` (epoch ms), or null when none exists after year 1000. */
  lastAtOrBefore(t: number): number | null {
    assertInstant(t, 't');
    const tz = this.spec.timezone;
    const { wall } = this.spec;
    const tr = transitionNear(t, tz);
    let best: number | null;
    if (tr) {
      const b = pieceBoundary(tr);
      const c1 = this.image(wall.prevAtOrBefore(Math.min(t + tr.before, b - 1)));
      const w2 = wall.prevAtOrBefore(t + tr.after);
      const c2 = w2 !== null && w2 >= b ? this.image(w2) : null;
      best = maxOf(c1 !== null && c1 <= t ? c1 : null, c2 !== null && c2 <= t ? c2 : null);
    } else {
      best = this.image(wall.prevAtOrBefore(t + offsetAt(t, tz)));
    }
    return best === null ? null : this.laterBeforeGap(best, t);
  }

  // If `best` is the instant of a wall time just after a gap, a skipped wall time may map later.
  private laterBeforeGap(best: number, t: number): number {
    const tr = transitionNear(best, this.spec.timezone);
    if (!isGap(tr) || best < tr.at || best >= tr.at + tr.after - tr.before) return best;
    const c = this.image(this.spec.wall.prevAtOrBefore(pieceBoundary(tr) - 1));
    return c !== null && c <= t && c > best ? c : best;
  }

  /**
   * How many slots lie in `(after, atOrBefore]`. Counts wall matches per constant-offset piece
   * (arithmetic, one step per day) and removes skipped wall times that land on a slot after the gap.
   */
  count(after: number, atOrBefore: number): number {
    assertInstant(after, 'after');
    assertInstant(atOrBefore, 'atOrBefore');
    if (!(atOrBefore > after)) return 0;
    const tz = this.spec.timezone;
    const trs = transitionsIn(after - DAY_MS, atOrBefore + DAY_MS, tz);
    let total = 0;
    let start = -Infinity;
    let offset = trs[0]?.before ?? offsetAt(after, tz);
    for (let i = 0; i <= trs.length; i++) {
      const tr = trs[i];
      const end = tr ? pieceBoundary(tr) : Infinity;
      total += this.spec.wall.count(Math.max(start - 1, after + offset), Math.min(end - 1, atOrBefore + offset));
      if (tr) {
        if (isGap(tr)) total -= this.gapDuplicates(tr, after, atOrBefore);
        start = end;
        offset = tr.after;
      }
    }
    return total;
  }

  // Skipped wall times whose moved instant equals the instant of a matching wall after the gap.
  private gapDuplicates(tr: Transition, after: number, atOrBefore: number): number {
    const { wall } = this.spec;
    const gap = tr.after - tr.before;
    const end = Math.min(pieceBoundary(tr) - 1, atOrBefore + tr.before);
    let n = 0;
    for (let w = wall.next(Math.max(tr.at + tr.before - 1, after + tr.before)); w !== null && w <= end; w = wall.next(w)) {
      if (wall.matches(w + gap)) n++;
    }
    return n;
  }
}
