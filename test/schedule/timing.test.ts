import { describe, expect, it } from 'vitest';
import { ConflictingOptionsError, InvalidCronError, InvalidOptionError } from '../../src/errors.js';
import { parseCron } from '../../src/schedule/cron.js';
import { epochToWall, parseStart, wallToEpoch } from '../../src/schedule/start.js';
import { timingOf, type Timing, type TimingSpec } from '../../src/schedule/timing.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const BERLIN = 'Europe/Berlin';
const ADDED = '2026-01-01T00:00:00.000Z';

function cron(expr: string, timezone: string | null): Timing {
  return timingOf({ period: null, cron: expr, start: null, timezone, addedAt: ADDED })!;
}

// Wall-clock time of `t` in `timeZone` as 'YYYY-MM-DD HH:mm:ss', read independently through Intl.
function local(t: number, timeZone: string): string {
  return new Date(t).toLocaleString('sv-SE', { timeZone, hourCycle: 'h23' });
}

// Every slot in (from, to], by walking nextAfter.
function walk(timing: Timing, from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = timing.nextAfter(from); t !== null && t <= to; t = timing.nextAfter(t)) out.push(t);
  return out;
}

// Reference slots in [from, to]: every matching wall time (tested step by step with the value sets,
// not croner) mapped with wallToEpoch, the same rule as period slots; sorted, without duplicates.
function reference(expr: string, timezone: string, from: number, to: number): number[] {
  const spec = parseCron(expr, timezone);
  const step = spec.fields === 6 ? SEC : MIN;
  const set = new Set<number>();
  const start = Math.floor((epochToWall(from, timezone) - DAY) / step) * step;
  const end = epochToWall(to, timezone) + DAY;
  for (let w = start; w <= end; w += step) {
    if (!spec.wall.matches(w)) continue;
    const t = wallToEpoch(w, timezone);
    if (t >= from && t <= to) set.add(t);
  }
  return [...set].sort((a, b) => a - b);
}

function countPerLocalDate(slots: number[], timeZone: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of slots) {
    const date = local(t, timeZone).slice(0, 10);
    m.set(date, (m.get(date) ?? 0) + 1);
  }
  return m;
}

describe('a daily 02:30 job in Europe/Berlin, as period and as cron', () => {
  const start = new Date(parseStart('2026-03-28 02:30', BERLIN)).toISOString();
  const period = timingOf({ period: 'day', cron: null, start, timezone: BERLIN, addedAt: ADDED })!;
  const daily = cron('30 2 * * *', BERLIN);

  it('runs once on the spring-forward day, at 03:30 CEST (02:30 does not exist)', () => {
    const from = Date.UTC(2026, 2, 27, 12);
    const to = Date.UTC(2026, 3, 3, 12);
    const slots = walk(daily, from, to);
    expect(walk(period, from, to)).toEqual(slots);
    expect(slots.map((t) => local(t, BERLIN))).toEqual([
      '2026-03-28 02:30:00', '2026-03-29 03:30:00', '2026-03-30 02:30:00', '2026-03-31 02:30:00',
      '2026-04-01 02:30:00', '2026-04-02 02:30:00', '2026-04-03 02:30:00',
    ]);
    expect(slots[1]).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect([...countPerLocalDate(slots, BERLIN).values()].every((n) => n === 1)).toBe(true);
  });

  it('runs once on the fall-back day, at the first 02:30 (CEST)', () => {
    const from = Date.UTC(2026, 9, 21, 12);
    const to = Date.UTC(2026, 9, 28, 12);
    const slots = walk(daily, from, to);
    expect(walk(period, from, to)).toEqual(slots);
    expect(slots).toEqual([
      Date.UTC(2026, 9, 22, 0, 30), Date.UTC(2026, 9, 23, 0, 30), Date.UTC(2026, 9, 24, 0, 30),
      Date.UTC(2026, 9, 25, 0, 30), Date.UTC(2026, 9, 26, 1, 30), Date.UTC(2026, 9, 27, 1, 30), Date.UTC(2026, 9, 28, 1, 30),
    ]);
    expect(countPerLocalDate(slots, BERLIN).get('2026-10-25')).toBe(1);
  });

  it('agrees with the period from any point, including inside the gap and the repeated hour', () => {
    for (const base of [Date.UTC(2026, 2, 28, 22), Date.UTC(2026, 9, 24, 22)]) {
      for (let t = base; t < base + 6 * HOUR; t += 5 * MIN) {
        expect(daily.nextAfter(t)).toBe(period.nextAfter(t));
        expect(daily.lastAtOrBefore(t)).toBe(period.lastAtOrBefore(t));
      }
    }
    // From the second 02:10 (CET) the next run is the next day, never the first 02:30 again.
    expect(daily.nextAfter(Date.UTC(2026, 9, 25, 1, 10))).toBe(Date.UTC(2026, 9, 26, 1, 30));
    expect(daily.lastAtOrBefore(Date.UTC(2026, 9, 25, 1, 40))).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });
});

describe('an hourly cron in Europe/Berlin', () => {
  const hourly = cron('0 * * * *', BERLIN);

  it('fires each wall-clock hour once on the spring-forward day: 23 times', () => {
    // Local 2026-03-29 runs from 23:00Z on the 28th (00:00 CET) to 22:00Z (00:00 CEST on the 30th).
    const slots = walk(hourly, Date.UTC(2026, 2, 28, 23) - 1, Date.UTC(2026, 2, 29, 22) - 1);
    expect(slots).toEqual([Date.UTC(2026, 2, 28, 23), ...Array.from({ length: 22 }, (_, h) => Date.UTC(2026, 2, 29, h))]);
    expect(slots.map((t) => local(t, BERLIN).slice(11, 13))).toEqual(
      ['00', '01', ...Array.from({ length: 21 }, (_, i) => String(i + 3).padStart(2, '0'))],
    );
  });

  it('fires each wall-clock hour once on the fall-back day: 24 times, 02:00 only at its first occurrence', () => {
    const slots = walk(hourly, Date.UTC(2026, 9, 24, 22) - 1, Date.UTC(2026, 9, 25, 23) - 1);
    expect(slots).toEqual([
      Date.UTC(2026, 9, 24, 22), Date.UTC(2026, 9, 24, 23), Date.UTC(2026, 9, 25, 0),
      ...Array.from({ length: 21 }, (_, i) => Date.UTC(2026, 9, 25, i + 2)),
    ]);
    expect(new Set(slots.map((t) => local(t, BERLIN).slice(11, 13))).size).toBe(24);
  });

  it('steps back exactly across both changes', () => {
    for (const [from, to] of [[Date.UTC(2026, 2, 28), Date.UTC(2026, 2, 31)], [Date.UTC(2026, 9, 24), Date.UTC(2026, 9, 27)]] as const) {
      const forward = walk(hourly, from, to);
      const back: number[] = [];
      for (let t = hourly.lastAtOrBefore(to); t !== null && t > from; t = hourly.lastAtOrBefore(t - 1)) back.push(t);
      expect(back.reverse()).toEqual(forward);
      expect(hourly.count!(from, to)).toBe(forward.length);
    }
  });

  it('counts a whole year without walking it: 8759 slots (wall 02:00 on the spring day maps onto 03:00)', () => {
    expect(hourly.count!(Date.UTC(2025, 11, 31, 23) - 1, Date.UTC(2026, 11, 31, 23) - 1)).toBe(8759);
  });
});

describe('cron timing matches the reference mapping around DST changes', () => {
  const cases: [string, string, number][] = [
    ['30 2 * * *', BERLIN, Date.UTC(2026, 2, 29, 1)],
    ['30 2 * * *', BERLIN, Date.UTC(2026, 9, 25, 1)],
    ['*/20 * * * *', BERLIN, Date.UTC(2026, 2, 29, 1)],
    ['*/20 * * * *', BERLIN, Date.UTC(2026, 9, 25, 1)],
    ['15,45 1-3 * * *', BERLIN, Date.UTC(2026, 9, 25, 1)],
    ['*/7 2 * * *', BERLIN, Date.UTC(2026, 2, 29, 1)],
    ['*/15 1-3 * * *', 'America/New_York', Date.UTC(2026, 2, 8, 7)],
    ['*/15 1-3 * * *', 'America/New_York', Date.UTC(2026, 10, 1, 6)],
    // Lord Howe moves by 30 minutes: skipped wall times interleave with the ones after the gap.
    ['20,40 * * * *', 'Australia/Lord_Howe', Date.UTC(2026, 9, 3, 15, 30)],
    ['20,40 * * * *', 'Australia/Lord_Howe', Date.UTC(2026, 3, 4, 15)],
    ['*/10 1-3 * * *', 'Australia/Lord_Howe', Date.UTC(2026, 9, 3, 15, 30)],
    ['*/20 * 2 * * *', BERLIN, Date.UTC(2026, 2, 29, 1)],
    ['*/20 * 2 * * *', BERLIN, Date.UTC(2026, 9, 25, 1)],
  ];

  it.each(cases)('%s in %s around %d', (expr, tz, change) => {
    const from = change - 2 * DAY;
    const to = change + 2 * DAY;
    const ref = reference(expr, tz, from, to);
    const timing = cron(expr, tz);
    const probes = [...ref.flatMap((s) => [s - 1, s, s + 1])];
    for (let t = from + DAY; t < to - DAY; t += 7 * MIN + 3 * SEC) probes.push(t);
    for (const t of probes) {
      if (t < (ref[0] ?? Infinity) || t >= (ref.at(-1) ?? -Infinity)) continue;
      expect(timing.nextAfter(t)).toBe(ref.find((s) => s > t));
      expect(timing.lastAtOrBefore(t)).toBe(ref.findLast((s) => s <= t));
    }
    for (let a = from; a < to; a += 5 * HOUR + 17 * MIN) {
      for (const b of [a + 30 * MIN, a + 3 * HOUR, a + DAY]) {
        if (b > to) continue;
        expect(timing.count!(a, b)).toBe(ref.filter((s) => s > a && s <= b).length);
      }
    }
  });
});

describe('timingOf', () => {
  it('returns null without period or cron', () => {
    expect(timingOf({ period: null, cron: null, start: null, timezone: null, addedAt: ADDED })).toBeNull();
  });

  it('anchors a period at start, else at addedAt', () => {
    const at = timingOf({ period: '30 sec', cron: null, start: null, timezone: null, addedAt: '2026-01-01T00:00:10.000Z' })!;
    expect(at.nextAfter(Date.UTC(2026, 0, 1, 0, 0, 45))).toBe(Date.UTC(2026, 0, 1, 0, 1, 10));
    expect(at.lastAtOrBefore(Date.UTC(2026, 0, 1))).toBeNull();
    expect(at.count!(Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2))).toBe(2880);
    const st = timingOf({ period: '1 hour', cron: null, start: '2026-01-01T00:05:00.000Z', timezone: null, addedAt: ADDED })!;
    expect(st.lastAtOrBefore(Date.UTC(2026, 0, 1, 3))).toBe(Date.UTC(2026, 0, 1, 2, 5));
    expect(st.count!(Date.UTC(2026, 0, 1, 3), Date.UTC(2026, 0, 1, 1))).toBe(0);
  });

  it('reads cron fields in the system zone when timezone is null', () => {
    const system = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const a = cron('17 3,15 * * *', null);
    const b = cron('17 3,15 * * *', system);
    for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2026, 11, 31); t += 9 * DAY + 7 * HOUR) {
      expect(a.nextAfter(t)).toBe(b.nextAfter(t));
      expect(a.lastAtOrBefore(t)).toBe(b.lastAtOrBefore(t));
    }
  });

  it('returns null past the supported cron range (years 1000-2999)', () => {
    const yearly = cron('0 0 1 1 *', 'UTC');
    expect(yearly.nextAfter(Date.UTC(2999, 0, 1))).toBeNull();
    expect(yearly.lastAtOrBefore(Date.UTC(1000, 0, 1) - 1)).toBeNull();
    expect(yearly.lastAtOrBefore(Date.UTC(2026, 5, 1))).toBe(Date.UTC(2026, 0, 1));
  });

  it('rejects bad stored fields and non-epoch arguments', () => {
    const base: TimingSpec = { period: null, cron: null, start: null, timezone: null, addedAt: ADDED };
    expect(() => timingOf({ ...base, cron: '* * *' })).toThrow(InvalidCronError);
    expect(() => timingOf({ ...base, cron: '* * * * *', period: '1 hour' })).toThrow(ConflictingOptionsError);
    expect(() => timingOf({ ...base, period: '1 hour', addedAt: 'nope' })).toThrow(InvalidOptionError);
    expect(() => cron('* * * * *', 'UTC').nextAfter(NaN)).toThrow(InvalidOptionError);
    expect(() => cron('* * * * *', 'UTC').lastAtOrBefore(Infinity)).toThrow(InvalidOptionError);
  });
});
