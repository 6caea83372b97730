import { describe, expect, it } from 'vitest';
import { AlertLimiter } from '../../src/alert/limiter.js';
import { DEFAULT_ALERT_MIN_INTERVAL_MS } from '../../src/alert/options.js';

const MIN = 60_000;

describe('AlertLimiter', () => {
  it('lets the first alert through, then at most one per interval, reporting the suppressed count once', () => {
    const limiter = new AlertLimiter({ minIntervalMs: MIN });
    expect(limiter.check('job', 0)).toEqual({ allowed: true, suppressed: 0 });
    expect(limiter.check('job', 1_000)).toEqual({ allowed: false, suppressed: 1 });
    expect(limiter.check('job', 59_999)).toEqual({ allowed: false, suppressed: 2 });
    expect(limiter.suppressedCount('job')).toBe(2);
    expect(limiter.check('job', 60_000)).toEqual({ allowed: true, suppressed: 2 });
    expect(limiter.suppressedCount('job')).toBe(0);
    expect(limiter.check('job', 125_000)).toEqual({ allowed: true, suppressed: 0 });
  });

  it('measures the interval from the last allowed alert, not the last suppressed one', () => {
    const limiter = new AlertLimiter({ minIntervalMs: MIN });
    limiter.check('job', 0);
    for (let t = 10_000; t < MIN; t += 10_000) expect(limiter.check('job', t).allowed).toBe(false);
    expect(limiter.check('job', MIN)).toEqual({ allowed: true, suppressed: 5 });
  });

  it('limits each task on its own', () => {
    const limiter = new AlertLimiter({ minIntervalMs: MIN });
    expect(limiter.check('a', 0).allowed).toBe(true);
    expect(limiter.check('b', 1).allowed).toBe(true);
    expect(limiter.check('a', 2)).toEqual({ allowed: false, suppressed: 1 });
    expect(limiter.check('b', 3)).toEqual({ allowed: false, suppressed: 1 });
    expect(limiter.suppressedCount('c')).toBe(0);
  });

  it('takes a per-call interval (a task\'s own minInterval); 0 never limits', () => {
    const limiter = new AlertLimiter({ minIntervalMs: MIN });
    expect(limiter.check('job', 0, 0).allowed).toBe(true);
    expect(limiter.check('job', 0, 0).allowed).toBe(true);
    expect(limiter.check('job', 500, 1_000).allowed).toBe(false);
    expect(limiter.check('job', 1_000, 1_000)).toEqual({ allowed: true, suppressed: 1 });
  });

  it('uses its injected clock when no time is given, and the 5-minute default', () => {
    let now = 1_000_000;
    const limiter = new AlertLimiter({ clock: () => now });
    expect(limiter.check('job').allowed).toBe(true);
    now += DEFAULT_ALERT_MIN_INTERVAL_MS - 1;
    expect(limiter.check('job').allowed).toBe(false);
    now += 1;
    expect(limiter.check('job')).toEqual({ allowed: true, suppressed: 1 });
  });

  it('lets an alert through after the clock moved back by more than an interval', () => {
    const limiter = new AlertLimiter({ minIntervalMs: MIN });
    limiter.check('job', 10 * MIN);
    expect(limiter.check('job', 10 * MIN - 1_000).allowed).toBe(false);
    expect(limiter.check('job', 5 * MIN)).toEqual({ allowed: true, suppressed: 1 });
  });

  it('forgets a task', () => {
    const limiter = new AlertLimiter({ minIntervalMs: MIN });
    limiter.check('job', 0);
    limiter.check('job', 1);
    limiter.forget('job');
    expect(limiter.check('job', 2)).toEqual({ allowed: true, suppressed: 0 });
  });
});
