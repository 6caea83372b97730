import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { jitterOf } from '../../src/schedule/jitter.js';
import { MAX_MISSED_LISTED, planDue, previewRuns, type CatchUp, type Plan, type PlanInput } from '../../src/schedule/plan.js';
import { parseStart } from '../../src/schedule/start.js';
import { timingOf, type Timing } from '../../src/schedule/timing.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const LATE = 2 * SEC;
const T0 = Date.UTC(2026, 0, 10); // a Saturday, 00:00Z

function at(h: number, m = 0, s = 0, ms = 0): number {
  return T0 + h * HOUR + m * MIN + s * SEC + ms;
}

function cron(expr: string, timezone: string | null = 'UTC'): Timing {
  return timingOf({ period: null, cron: expr, start: null, timezone, addedAt: '2025-01-01T00:00:00.000Z' })!;
}

function period(p: string, start: string, timezone: string | null = 'UTC'): Timing {
  return timingOf({ period: p, cron: null, start, timezone, addedAt: '2025-01-01T00:00:00.000Z' })!;
}

// Counts the calls a planner makes, to show a long downtime is not walked slot by slot.
function counted(timing: Timing): { timing: Timing; calls: () => number } {
  let n = 0;
  return {
    timing: {
      nextAfter: (t) => (n++, timing.nextAfter(t)),
      lastAtOrBefore: (t) => (n++, timing.lastAtOrBefore(t)),
      count: (a, b) => (n++, timing.count!(a, b)),
    },
    calls: () => n,
  };
}

// A timing over an explicit list of slots, without `count` (planners must walk it).
function listTiming(slots: number[]): Timing {
  return {
    nextAfter: (t) => slots.find((s) => s > t) ?? null,
    lastAtOrBefore: (t) => slots.findLast((s) => s <= t) ?? null,
  };
}

const hourly = cron('0 * * * *');
const base = { timing: hourly, name: 'job', jitterMs: 0, catchUp: 'none' as CatchUp, maxCatchUp: 5, lateMs: LATE };

function plan(over: Partial<PlanInput> & Pick<PlanInput, 'now' | 'lastScheduledAt'>): Plan {
  return planDue({ ...base, ...over });
}

describe('planDue on time', () => {
  it('fires a slot that just came due', () => {
    expect(plan({ lastScheduledAt: at(10), now: at(11, 0, 0, 500) })).toEqual({
      fire: [at(11)], missed: [], missedCount: 0, last: at(11), nextFireAt: at(12),
    });
  });

  it('fires at exactly the slot time and up to lateMs after it', () => {
    expect(plan({ lastScheduledAt: at(10), now: at(11) }).fire).toEqual([at(11)]);
    expect(plan({ lastScheduledAt: at(10), now: at(11) + LATE }).fire).toEqual([at(11)]);
    expect(plan({ lastScheduledAt: at(10), now: at(11) + LATE + 1 }).fire).toEqual([]);
  });

  it('does nothing before the next slot, or when the slot was handled', () => {
    expect(plan({ lastScheduledAt: at(10), now: at(10, 59, 59, 999) })).toEqual({
      fire: [], missed: [], missedCount: 0, last: at(10), nextFireAt: at(11),
    });
    expect(plan({ lastScheduledAt: at(11), now: at(11, 0, 1) })).toEqual({
      fire: [], missed: [], missedCount: 0, last: at(11), nextFireAt: at(12),
    });
  });
});

describe('planDue catch-up', () => {
  it('one late slot: none skips it, one and all fire it', () => {
    const late = { lastScheduledAt: at(10), now: at(11, 0, 5) };
    expect(plan({ ...late })).toEqual({ fire: [], missed: [at(11)], missedCount: 1, last: at(11), nextFireAt: at(12) });
    expect(plan({ ...late, catchUp: 'one' })).toMatchObject({ fire: [at(11)], missed: [], missedCount: 0, last: at(11) });
    expect(plan({ ...late, catchUp: 'all' })).toMatchObject({ fire: [at(11)], missed: [], missedCount: 0, last: at(11) });
  });

  it('a downtime of five slots, all late', () => {
    const down = { lastScheduledAt: at(6), now: at(11, 30) };
    expect(plan({ ...down })).toEqual({ fire: [], missed: [at(7), at(8), at(9), at(10), at(11)], missedCount: 5, last: at(11), nextFireAt: at(12) });
    expect(plan({ ...down, catchUp: 'one' })).toMatchObject({ fire: [at(11)], missed: [at(7), at(8), at(9), at(10)], missedCount: 4 });
    expect(plan({ ...down, catchUp: 'all', maxCatchUp: 3 })).toMatchObject({ fire: [at(9), at(10), at(11)], missed: [at(7), at(8)], missedCount: 2 });
    expect(plan({ ...down, catchUp: 'all', maxCatchUp: 10 })).toMatchObject({ fire: [at(7), at(8), at(9), at(10), at(11)], missed: [], missedCount: 0 });
  });

  it('a downtime that ends on time: the on-time slot fires, older ones follow catchUp', () => {
    const down = { lastScheduledAt: at(6), now: at(11, 0, 1) };
    expect(plan({ ...down })).toMatchObject({ fire: [at(11)], missed: [at(7), at(8), at(9), at(10)], missedCount: 4, last: at(11) });
    // 'one' = one run after the downtime: the on-time slot is it, so the missed ones are skipped.
    expect(plan({ ...down, catchUp: 'one' })).toMatchObject({ fire: [at(11)], missed: [at(7), at(8), at(9), at(10)], missedCount: 4 });
    expect(plan({ ...down, catchUp: 'all', maxCatchUp: 2 })).toMatchObject({ fire: [at(9), at(10), at(11)], missed: [at(7), at(8)], missedCount: 2 });
  });

  it('only the newest on-time slot fires when several are within lateMs', () => {
    const everySecond = cron('* * * * * *');
    const p = planDue({ ...base, timing: everySecond, lastScheduledAt: at(12) - 3 * SEC, now: at(12), lateMs: 5 * SEC });
    expect(p).toEqual({ fire: [at(12)], missed: [at(12) - 2 * SEC, at(12) - SEC], missedCount: 2, last: at(12), nextFireAt: at(12) + SEC });
  });
});

describe('planDue after a long downtime', () => {
  const now = at(12, 0, 0, 300);
  const lastScheduledAt = now - 300 - 30 * DAY;
  const total = 30 * 86_400; // one-second slots in (lastScheduledAt, now]

  it.each<[string, Timing]>([
    ['a 1-second cron', cron('* * * * * *', 'Europe/Berlin')],
    ['a 1-second period', period('1 sec', '2025-06-01T00:00:00.000Z')],
  ])('is bounded for %s 30 days behind', (_label, timing) => {
    const c = counted(timing);
    const none = planDue({ ...base, timing: c.timing, lastScheduledAt, now });
    expect(none.fire).toEqual([at(12)]);
    expect(none.missedCount).toBe(total - 1);
    expect(none.missed).toHaveLength(MAX_MISSED_LISTED);
    // The oldest missed slot first, then the newest ones, ascending.
    expect(none.missed[0]).toBe(lastScheduledAt + SEC);
    expect(none.missed[1]).toBe(at(12) - (MAX_MISSED_LISTED - 1) * SEC);
    expect(none.missed.at(-1)).toBe(at(12) - SEC);
    expect(none.last).toBe(at(12));
    expect(none.nextFireAt).toBe(at(12) + SEC);
    expect(c.calls()).toBeLessThan(3 * MAX_MISSED_LISTED);

    const all = planDue({ ...base, timing: c.timing, lastScheduledAt, now, catchUp: 'all', maxCatchUp: 5 });
    expect(all.fire).toEqual([5, 4, 3, 2, 1, 0].map((k) => at(12) - k * SEC));
    expect(all.missedCount).toBe(total - 6);
    const one = planDue({ ...base, timing: c.timing, lastScheduledAt, now, catchUp: 'one' });
    expect(one.fire).toEqual([at(12)]);
    expect(one.missedCount).toBe(total - 1);
  });

  it('counts years of missed hourly slots across DST changes exactly', () => {
    const berlinHourly = cron('0 * * * *', 'Europe/Berlin');
    const p = planDue({ ...base, timing: berlinHourly, lastScheduledAt: Date.UTC(2025, 11, 31, 23), now: Date.UTC(2026, 11, 31, 23, 30) });
    // 8760 wall hours in 2026, minus the 02:00 that does not exist on 29 March.
    expect(p.missedCount).toBe(8759);
    expect(p.fire).toEqual([]);
    expect(p.missed[0]).toBe(Date.UTC(2026, 0, 1, 0));
  });

  it('walks a timing without count and gets the same answer', () => {
    const slots = Array.from({ length: 3001 }, (_, k) => at(0) + k * MIN);
    const withCount = period('1 min', new Date(at(0)).toISOString());
    const input = { ...base, lastScheduledAt: at(0), now: at(0) + 2999 * MIN + 30 * SEC };
    const walked = planDue({ ...input, timing: listTiming(slots) });
    expect(walked).toEqual(planDue({ ...input, timing: withCount }));
    expect(walked.missedCount).toBe(2999);
    expect(walked.missed).toHaveLength(MAX_MISSED_LISTED);
  });
});

describe('planDue with jitter', () => {
  const jitterMs = 20 * MIN;
  const j = (slot: number): number => jitterOf('job', slot, jitterMs);

  it('moves each fire time by the slot jitter', () => {
    const slot = at(11);
    expect(j(slot)).toBeGreaterThan(0);
    const before = plan({ jitterMs, lastScheduledAt: at(10), now: slot + j(slot) - 1 });
    expect(before).toMatchObject({ fire: [], missedCount: 0, last: at(10), nextFireAt: slot + j(slot) });
    const due = plan({ jitterMs, lastScheduledAt: at(10), now: slot + j(slot) });
    expect(due).toMatchObject({ fire: [slot], last: slot, nextFireAt: at(12) + j(at(12)) });
    // Lateness counts from the jittered time.
    expect(plan({ jitterMs, lastScheduledAt: at(10), now: slot + j(slot) + LATE }).fire).toEqual([slot]);
    expect(plan({ jitterMs, lastScheduledAt: at(10), now: slot + j(slot) + LATE + 1 }).missed).toEqual([slot]);
  });

  it('gives different tasks different delays', () => {
    const delays = ['a', 'b', 'c', 'd'].map((name) => jitterOf(name, at(11), jitterMs));
    expect(new Set(delays).size).toBeGreaterThan(1);
  });
});

describe('planDue for a task never scheduled (lastScheduledAt null)', () => {
  it('does not catch up history: a past slot is only marked handled', () => {
    for (const catchUp of ['none', 'one', 'all'] as const) {
      expect(plan({ catchUp, lastScheduledAt: null, now: at(10, 30) })).toEqual({
        fire: [], missed: [], missedCount: 0, last: at(10), nextFireAt: at(11),
      });
    }
  });

  it('fires the newest slot when it is on time', () => {
    expect(plan({ lastScheduledAt: null, now: at(10, 0, 1) })).toEqual({ fire: [at(10)], missed: [], missedCount: 0, last: at(10), nextFireAt: at(11) });
  });

  it('fires a period task at its start, and waits for a future start', () => {
    const start = new Date(at(9)).toISOString();
    const p = period('1 hour', start);
    expect(planDue({ ...base, timing: p, lastScheduledAt: null, now: at(9, 0, 0, 200) }).fire).toEqual([at(9)]);
    expect(planDue({ ...base, timing: p, lastScheduledAt: null, now: at(8) })).toEqual({
      fire: [], missed: [], missedCount: 0, last: null, nextFireAt: at(9),
    });
    const jittered = planDue({ ...base, timing: p, jitterMs: MIN, lastScheduledAt: null, now: at(9) });
    expect(jittered).toMatchObject({ fire: [], last: null, nextFireAt: at(9) + jitterOf('job', at(9), MIN) });
  });
});

describe('planDue accounting', () => {
  // Replays a scheduler that wakes at each nextFireAt, sometimes late, and checks that each slot is
  // fired or missed exactly once, even when jitter lets a later slot overtake an earlier one.
  it.each<[string, Timing, number]>([
    ['hourly, small jitter', hourly, 10 * MIN],
    ['every 20 s, jitter larger than the gap', cron('*/20 * * * * *'), 45 * SEC],
    ['every second, no jitter', cron('* * * * * *'), 0],
  ])('%s', (_label, timing, jitterMs) => {
    let last: number | null = at(0);
    let now = at(0);
    let fired = 0;
    let missed = 0;
    for (let step = 0; step < 300; step++) {
      const p = planDue({ ...base, timing, jitterMs, lastScheduledAt: last, now, catchUp: 'one' });
      fired += p.fire.length;
      missed += p.missedCount;
      for (const s of p.fire) expect(s).toBeGreaterThan(last ?? -Infinity);
      last = p.last;
      // Wake on time mostly, sometimes much later.
      now = Math.max(now + 1, (p.nextFireAt ?? now) + (step % 7 === 0 ? 3 * MIN : step % 3));
    }
    expect(fired + missed).toBe(timing.count!(at(0), last!));
  });

  it('validates its numbers', () => {
    expect(() => plan({ lastScheduledAt: null, now: NaN })).toThrow(InvalidOptionError);
    expect(() => plan({ lastScheduledAt: NaN, now: at(1) })).toThrow(InvalidOptionError);
    expect(() => plan({ lastScheduledAt: null, now: at(1), jitterMs: Infinity })).toThrow(InvalidOptionError);
    expect(() => plan({ lastScheduledAt: null, now: at(1), lateMs: NaN })).toThrow(InvalidOptionError);
    expect(plan({ lastScheduledAt: at(0), now: at(5), lateMs: Infinity }).fire).toEqual([at(5)]);
  });
});

describe('previewRuns', () => {
  it('lists the next fire times', () => {
    expect(previewRuns(hourly, 'job', 0, at(10), at(10, 30), 3)).toEqual([at(11), at(12), at(13)]);
    expect(previewRuns(hourly, 'job', 0, at(10), at(10, 30), 0)).toEqual([]);
  });

  it('starts with a due slot not yet fired', () => {
    expect(previewRuns(hourly, 'job', 0, at(9), at(10, 30), 3)).toEqual([at(10), at(11), at(12)]);
  });

  it('for a new task, lists a past slot only within lateMs', () => {
    expect(previewRuns(hourly, 'job', 0, null, at(10, 30), 2)).toEqual([at(10), at(11)]);
    expect(previewRuns(hourly, 'job', 0, null, at(10, 30), 2, LATE)).toEqual([at(11), at(12)]);
    expect(previewRuns(hourly, 'job', 0, null, at(10, 0, 1), 2, LATE)).toEqual([at(10), at(11)]);
  });

  it('includes the jitter', () => {
    const runs = previewRuns(hourly, 'job', 30 * MIN, at(10), at(10, 30), 4);
    expect(runs).toEqual([11, 12, 13, 14].map((h) => at(h) + jitterOf('job', at(h), 30 * MIN)));
  });

  it('stops when the schedule ends', () => {
    expect(previewRuns(cron('0 0 1 1 *'), 'job', 0, null, Date.UTC(2997, 5, 1), 5, LATE)).toEqual([Date.UTC(2998, 0, 1), Date.UTC(2999, 0, 1)]);
  });

  const start = new Date(parseStart('2026-03-20 02:30', 'Europe/Berlin')).toISOString();
  it.each<[string, Timing, number, number | null, number]>([
    ['hourly cron', hourly, 0, at(3), at(3, 20)],
    ['hourly cron with jitter', hourly, 25 * MIN, at(3), at(5, 10)],
    ['Berlin 20-minute cron across spring forward', cron('*/20 * * * *', 'Europe/Berlin'), 90 * SEC, Date.UTC(2026, 2, 29, 0), Date.UTC(2026, 2, 29, 0, 5)],
    ['Berlin daily period across fall back', period('day', start, 'Europe/Berlin'), 5 * MIN, null, Date.UTC(2026, 9, 1)],
    ['1-second cron with jitter', cron('* * * * * *'), 700, null, at(1, 0, 0, 500)],
    ['new task with a past slot', cron('*/5 * * * *'), 0, null, at(7, 3)],
  ])('agrees with planDue replayed at each time: %s', (_label, timing, jitterMs, lastScheduledAt, now) => {
    const n = 60;
    const runs = previewRuns(timing, 'job', jitterMs, lastScheduledAt, now, n);
    expect(runs).toHaveLength(n);
    let last = lastScheduledAt;
    runs.forEach((t, i) => {
      if (i > 0) expect(t).toBeGreaterThan(runs[i - 1]!);
      const p = planDue({ timing, name: 'job', jitterMs, lastScheduledAt: last, now: t, catchUp: 'none', maxCatchUp: 1, lateMs: 0 });
      expect(p.fire).toHaveLength(1);
      expect(p.fire[0]! + jitterOf('job', p.fire[0]!, jitterMs)).toBe(t);
      expect(p.missedCount).toBe(0);
      if (i < n - 1) expect(p.nextFireAt).toBe(runs[i + 1]);
      last = p.last;
    });
  });
});
