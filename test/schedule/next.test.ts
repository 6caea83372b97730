import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { lastSlotAtOrBefore, nextSlotAfter, nextSlots, slotTime, type Schedule } from '../../src/schedule/next.js';
import { parsePeriod } from '../../src/schedule/period.js';
import { MAX_EPOCH_MS, parseStart } from '../../src/schedule/start.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function sched(period: string, anchor: number, timezone: string | null): Schedule {
  return { period: parsePeriod(period), anchor, timezone };
}

// Wall-clock time of `t` in `timeZone` as 'YYYY-MM-DD HH:mm:ss', read independently through Intl.
function local(t: number, timeZone: string): string {
  return new Date(t).toLocaleString('sv-SE', { timeZone, hourCycle: 'h23' });
}

// Small deterministic PRNG (mulberry32) so the property tests are reproducible.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

// Slots 0..count-1 computed one by one with slotTime, the primitive the search helpers must agree with.
function bruteSlots(s: Schedule, count: number): number[] {
  return Array.from({ length: count }, (_, k) => slotTime(s, k));
}

function invalidOption(fn: () => unknown): InvalidOptionError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InvalidOptionError);
  return err as InvalidOptionError;
}

describe('fixed units', () => {
  const anchor = Date.UTC(2026, 0, 1, 12, 0, 10);
  const s = sched('30 sec', anchor, 'Europe/Berlin');

  it('are exact ms arithmetic', () => {
    expect(slotTime(s, 0)).toBe(anchor);
    expect(slotTime(s, 1)).toBe(anchor + 30 * SEC);
    expect(slotTime(s, 1_000_000)).toBe(anchor + 30_000_000 * SEC);
    const hourly = sched('1 hour', Date.UTC(2026, 2, 28, 12), 'Europe/Berlin');
    // Across the Berlin spring-forward night the hourly slots stay exactly one hour apart.
    const slots = nextSlots(hourly, hourly.anchor, 48);
    slots.forEach((t, i) => expect(t).toBe(hourly.anchor + (i + 1) * HOUR));
  });

  it('treat t exactly on a slot as past it', () => {
    const t = anchor + 4 * 30 * SEC;
    expect(nextSlotAfter(s, t)).toBe(t + 30 * SEC);
    expect(lastSlotAtOrBefore(s, t)).toBe(t);
    expect(nextSlotAfter(s, t - 1)).toBe(t);
    expect(lastSlotAtOrBefore(s, t - 1)).toBe(t - 30 * SEC);
    expect(nextSlots(s, t, 3)).toEqual([t + 30 * SEC, t + 60 * SEC, t + 90 * SEC]);
  });

  it('start at the anchor when the anchor is in the future', () => {
    const now = anchor - 5 * DAY;
    expect(nextSlotAfter(s, now)).toBe(anchor);
    expect(lastSlotAtOrBefore(s, now)).toBeNull();
    expect(lastSlotAtOrBefore(s, anchor - 1)).toBeNull();
    expect(lastSlotAtOrBefore(s, anchor)).toBe(anchor);
    expect(nextSlots(s, now, 3)).toEqual([anchor, anchor + 30 * SEC, anchor + 60 * SEC]);
    expect(nextSlots(s, anchor, 1)).toEqual([anchor + 30 * SEC]);
    expect(nextSlots(s, now, 0)).toEqual([]);
  });

  it('work far from the anchor, and before 1970', () => {
    const zero = sched('30 sec', 0, null);
    expect(nextSlotAfter(zero, 3e12 + 7)).toBe(3e12 + 30 * SEC);
    expect(lastSlotAtOrBefore(zero, 3e12 + 7)).toBe(3e12);
    const old = sched('7 min', Date.UTC(1900, 0, 1), 'UTC');
    const t = Date.UTC(2100, 0, 1);
    const last = lastSlotAtOrBefore(old, t) as number;
    expect((last - old.anchor) % (7 * MIN)).toBe(0);
    expect(last).toBeLessThanOrEqual(t);
    expect(nextSlotAfter(old, t)).toBe(last + 7 * MIN);
  });
});

describe('calendar units across DST', () => {
  it("daily 02:30 in Berlin: one slot on the spring-forward day at 03:30 and one on the fall-back day at the first 02:30", () => {
    const tz = 'Europe/Berlin';
    const s = sched('1 day', parseStart('2026-03-28 02:30', tz), tz);
    expect(s.anchor).toBe(Date.UTC(2026, 2, 28, 1, 30));
    const slots = [s.anchor, ...nextSlots(s, s.anchor, 360)]; // up to 2027-03-23, before the next spring-forward
    const byDate = new Map<string, string[]>();
    for (const t of slots) {
      const [date = '', time = ''] = local(t, tz).split(' ');
      byDate.set(date, [...(byDate.get(date) ?? []), time]);
    }
    expect(byDate.size).toBe(361);
    for (const [date, times] of byDate) expect(times).toEqual([date === '2026-03-29' ? '03:30:00' : '02:30:00']);
    expect(slots).toContain(Date.UTC(2026, 2, 29, 1, 30));
    expect(slots).toContain(Date.UTC(2026, 9, 25, 0, 30));
    expect(slots).not.toContain(Date.UTC(2026, 9, 25, 1, 30));
    expect(nextSlotAfter(s, Date.UTC(2026, 2, 28, 12))).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect(nextSlotAfter(s, Date.UTC(2026, 2, 29, 1, 30))).toBe(Date.UTC(2026, 2, 30, 0, 30));
    expect(nextSlotAfter(s, Date.UTC(2026, 9, 24, 12))).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(nextSlotAfter(s, Date.UTC(2026, 9, 25, 0, 30))).toBe(Date.UTC(2026, 9, 26, 1, 30));
    expect(lastSlotAtOrBefore(s, Date.UTC(2026, 9, 25, 1, 30))).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });

  it('daily 13:00 in New York stays 13:00 local across both DST changes', () => {
    const tz = 'America/New_York';
    const s = sched('1 day', parseStart('2026-01-01 13:00', tz), tz);
    const slots = nextSlots(s, s.anchor - 1, 450);
    for (const t of slots) expect(local(t, tz).slice(11)).toBe('13:00:00');
    const gaps = slots.slice(1).map((t, i) => t - (slots[i] as number));
    expect(gaps.filter((g) => g === 23 * HOUR)).toHaveLength(2); // 2026-03-08, 2027-03-14
    expect(gaps.filter((g) => g === 25 * HOUR)).toHaveLength(1); // 2026-11-01
    expect(gaps.filter((g) => g !== DAY)).toHaveLength(3);
    expect(nextSlotAfter(s, Date.UTC(2026, 2, 8, 12))).toBe(Date.UTC(2026, 2, 8, 17));
    expect(nextSlotAfter(s, Date.UTC(2026, 10, 1, 12))).toBe(Date.UTC(2026, 10, 1, 18));
  });

  it('t exactly on a calendar slot is past it', () => {
    const tz = 'America/New_York';
    const s = sched('1 day', parseStart('2026-01-01 13:00', tz), tz);
    const t = Date.UTC(2026, 2, 8, 17);
    expect(lastSlotAtOrBefore(s, t)).toBe(t);
    expect(nextSlotAfter(s, t)).toBe(Date.UTC(2026, 2, 9, 17));
    expect(nextSlotAfter(s, t - 1)).toBe(t);
    expect(lastSlotAtOrBefore(s, t - 1)).toBe(Date.UTC(2026, 2, 7, 18));
  });

  it('weekly slots keep the weekday and wall time', () => {
    const tz = 'Europe/Berlin';
    const s = sched('1 week', parseStart('2026-03-02 09:00', tz), tz); // a Monday
    for (const t of nextSlots(s, s.anchor, 60)) {
      expect(local(t, tz).slice(11)).toBe('09:00:00');
      expect(new Date(t).getUTCDay()).toBe(1);
    }
    const biweekly = sched('2 weeks', s.anchor, tz);
    expect(nextSlots(biweekly, s.anchor, 2).map((t) => local(t, tz))).toEqual(['2026-03-16 09:00:00', '2026-03-30 09:00:00']);
  });

  it('a calendar anchor on the second occurrence of a repeated hour stays slot 0', () => {
    const tz = 'Europe/Berlin';
    const anchor = Date.UTC(2026, 9, 25, 1, 30); // 02:30 CET, the second 02:30 that night
    const s = sched('1 day', anchor, tz);
    expect(slotTime(s, 0)).toBe(anchor);
    expect(nextSlotAfter(s, anchor - 1)).toBe(anchor);
    expect(slotTime(s, 1)).toBe(Date.UTC(2026, 9, 26, 1, 30));
    expect(lastSlotAtOrBefore(s, anchor + HOUR)).toBe(anchor);
  });

  it('a half-hour DST shift (Lord Howe) moves a skipped time forward by 30 minutes', () => {
    const tz = 'Australia/Lord_Howe';
    const s = sched('1 day', parseStart('2026-10-01 02:15', tz), tz);
    expect(nextSlots(s, s.anchor, 5).map((t) => local(t, tz).slice(11))).toEqual(['02:15:00', '02:15:00', '02:45:00', '02:15:00', '02:15:00']);
  });

  it('a day skipped by the zone (Samoa, 2011-12-30) yields distinct slots only', () => {
    const tz = 'Pacific/Apia';
    const s = sched('1 day', parseStart('2011-12-28 10:00', tz), tz);
    const slots = nextSlots(s, s.anchor - 1, 5);
    expect(slots.map((t) => local(t, tz))).toEqual([
      '2011-12-28 10:00:00', '2011-12-29 10:00:00', '2011-12-31 10:00:00', '2012-01-01 10:00:00', '2012-01-02 10:00:00',
    ]);
    expect(nextSlotAfter(s, slots[1] as number)).toBe(slots[2]);
    expect(lastSlotAtOrBefore(s, (slots[2] as number) - 1)).toBe(slots[1]);
    expect(lastSlotAtOrBefore(s, slots[2] as number)).toBe(slots[2]);
  });
});

describe('months', () => {
  it('clamp the day from the anchor each time: Jan 31 -> Feb 29 -> Mar 31', () => {
    const s = sched('1 month', Date.UTC(2024, 0, 31, 9), 'UTC');
    const days = [s.anchor, ...nextSlots(s, s.anchor, 13)].map((t) => new Date(t).toISOString().slice(0, 10));
    expect(days).toEqual([
      '2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30', '2024-05-31', '2024-06-30', '2024-07-31',
      '2024-08-31', '2024-09-30', '2024-10-31', '2024-11-30', '2024-12-31', '2025-01-31', '2025-02-28',
    ]);
    expect(slotTime(s, 2)).toBe(Date.UTC(2024, 2, 31, 9));
    expect(nextSlotAfter(s, Date.UTC(2024, 1, 29, 9))).toBe(Date.UTC(2024, 2, 31, 9));
    expect(lastSlotAtOrBefore(s, Date.UTC(2024, 2, 31, 8, 59))).toBe(Date.UTC(2024, 1, 29, 9));
  });

  it("support amounts: '2 months' from Jan 31", () => {
    const s = sched('2 months', Date.UTC(2025, 0, 31, 9), 'UTC');
    expect(nextSlots(s, s.anchor, 6).map((t) => new Date(t).toISOString().slice(0, 10))).toEqual([
      '2025-03-31', '2025-05-31', '2025-07-31', '2025-09-30', '2025-11-30', '2026-01-31',
    ]);
    const leap = sched('12 months', Date.UTC(2024, 1, 29), 'UTC');
    expect([1, 4].map((k) => slotTime(leap, k))).toEqual([Date.UTC(2025, 1, 28), Date.UTC(2028, 1, 29)]);
  });

  it('keep the wall time in the zone, DST gaps included', () => {
    const ny = sched('1 month', parseStart('2026-01-31 13:00', 'America/New_York'), 'America/New_York');
    expect(slotTime(ny, 1)).toBe(Date.UTC(2026, 1, 28, 18));
    expect(slotTime(ny, 2)).toBe(Date.UTC(2026, 2, 31, 17));
    const berlin = sched('1 month', parseStart('2026-01-29 02:30', 'Europe/Berlin'), 'Europe/Berlin');
    expect(local(slotTime(berlin, 2), 'Europe/Berlin')).toBe('2026-03-29 03:30:00');
    expect(local(slotTime(berlin, 3), 'Europe/Berlin')).toBe('2026-04-29 02:30:00');
  });
});

describe('far from the anchor (no walk from slot 0)', () => {
  it('daily and monthly slots a century later', () => {
    const ny = 'America/New_York';
    const daily = sched('1 day', parseStart('2000-01-01 13:00', ny), ny);
    const t = parseStart('2099-06-15 12:00', ny);
    expect(nextSlotAfter(daily, t)).toBe(parseStart('2099-06-15 13:00', ny));
    expect(lastSlotAtOrBefore(daily, t)).toBe(parseStart('2099-06-14 13:00', ny));
    const be = 'Europe/Berlin';
    const monthly = sched('1 month', parseStart('1990-01-31 09:00', be), be);
    const u = parseStart('2090-02-15 00:00', be);
    expect(lastSlotAtOrBefore(monthly, u)).toBe(parseStart('2090-01-31 09:00', be));
    expect(nextSlotAfter(monthly, u)).toBe(parseStart('2090-02-28 09:00', be));
    expect(nextSlots(monthly, u, 2)).toEqual([parseStart('2090-02-28 09:00', be), parseStart('2090-03-31 09:00', be)]);
    const weekly = sched('3 weeks', parseStart('1970-01-05 00:00', be), be);
    const next = nextSlotAfter(weekly, parseStart('2200-01-01 00:00', be));
    expect(local(next, be).slice(11)).toBe('00:00:00');
    expect(Math.round((next - weekly.anchor) / DAY) % 21).toBe(0);
  });

  it('reports slots past the Date range as Infinity', () => {
    const s = sched('1 day', MAX_EPOCH_MS - DAY - 1000, 'UTC');
    expect(nextSlotAfter(s, MAX_EPOCH_MS - 1)).toBe(Infinity);
    expect(lastSlotAtOrBefore(s, MAX_EPOCH_MS)).toBe(MAX_EPOCH_MS - 1000);
    expect(nextSlots(s, s.anchor, 3)).toEqual([MAX_EPOCH_MS - 1000, Infinity, Infinity]);
    const fixed = sched('30 sec', MAX_EPOCH_MS - 45 * SEC, null);
    expect(nextSlots(fixed, fixed.anchor, 2)).toEqual([MAX_EPOCH_MS - 15 * SEC, Infinity]);
    expect(slotTime(sched('1 month', 0, 'UTC'), 1e9)).toBe(Infinity);
  });
});

describe('the system local zone (timezone null)', () => {
  const saved = process.env.TZ;
  afterEach(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('keeps wall-clock time in the process zone', () => {
    process.env.TZ = 'Europe/Berlin';
    const anchor = parseStart('2026-03-28 02:30', null);
    const local = nextSlots(sched('1 day', anchor, null), anchor, 30);
    expect(local).toEqual(nextSlots(sched('1 day', anchor, 'Europe/Berlin'), anchor, 30));
    expect(local[0]).toBe(Date.UTC(2026, 2, 29, 1, 30));
  });
});

describe('argument validation', () => {
  const s = sched('1 day', Date.UTC(2026, 0, 1), 'UTC');

  it.each([-1, 1.5, NaN, Infinity])('slotTime rejects k = %s', (k) => {
    expect(invalidOption(() => slotTime(s, k)).option).toBe('k');
  });

  it('rejects bad instants and counts with the option named', () => {
    expect(invalidOption(() => nextSlotAfter(s, NaN)).option).toBe('t');
    expect(invalidOption(() => lastSlotAtOrBefore(s, MAX_EPOCH_MS + 1)).option).toBe('t');
    expect(invalidOption(() => nextSlots(s, Infinity, 1)).option).toBe('after');
    expect(invalidOption(() => nextSlots(s, 0, -1)).option).toBe('n');
    expect(invalidOption(() => nextSlots(s, 0, 2.5)).option).toBe('n');
    const err = invalidOption(() => nextSlotAfter({ ...s, anchor: NaN }, 0));
    expect(err.option).toBe('anchor');
    expect(err.code).toBe('ERR_INVALID_OPTION');
    expect(err.message).toBe('Expected `anchor` to be an epoch in ms within the Date range, got NaN.');
  });
});

describe('property: the helpers agree with slotTime', () => {
  const cases: [string, string, string | null, number][] = [
    ['30 sec', '2026-03-29 01:59:40', 'Europe/Berlin', 400],
    ['7 min', '2026-11-01 00:00:00', null, 400],
    ['1 hour', '2026-03-27 22:00', 'America/New_York', 400],
    ['1 day', '2026-03-28 02:30', 'Europe/Berlin', 400],
    ['1 day', '2026-01-01 13:00', 'America/New_York', 400],
    ['3 days', '2026-09-01 02:15', 'Australia/Lord_Howe', 200],
    ['1 week', '2026-01-04 01:30', 'America/New_York', 120],
    ['1 month', '2024-01-31 02:30', 'Europe/Berlin', 60],
    ['2 months', '2024-12-31 23:59:59', 'Asia/Kolkata', 40],
    ['1 day', '2011-12-20 10:00', 'Pacific/Apia', 30],
  ];

  it.each(cases)('%s from %s in %s', (period, start, tz, count) => {
    const s = sched(period, parseStart(start, tz), tz);
    const brute = bruteSlots(s, count);
    // slotTime never decreases; equal neighbours only where the zone skipped a whole day.
    for (let k = 1; k < count; k++) expect(brute[k]).toBeGreaterThanOrEqual(brute[k - 1] as number);
    const distinct = [...new Set(brute)];
    const end = distinct[distinct.length - 4] as number;
    const random = prng(count * 7919 + period.length);
    const failures: string[] = [];
    for (let i = 0; i < 300; i++) {
      // Mostly random instants, sometimes exactly on a slot or 1 ms either side of it.
      const base = s.anchor - 2 * DAY + Math.floor(random() * (end - s.anchor + 2 * DAY));
      const onSlot = distinct[Math.floor(random() * (distinct.length - 4))] as number;
      const t = i % 3 === 0 ? onSlot + (i % 2 === 0 ? 0 : -1) : i % 3 === 1 ? base : onSlot + 1;
      const next = nextSlotAfter(s, t);
      const last = lastSlotAtOrBefore(s, t);
      const idx = distinct.findIndex((x) => x > t);
      const expectedLast = idx === 0 ? null : (distinct[idx - 1] as number);
      const ok = next > t && next === distinct[idx] && last === expectedLast && (last === null || last <= t)
        && JSON.stringify(nextSlots(s, t, 3)) === JSON.stringify(distinct.slice(idx, idx + 3));
      if (!ok) failures.push(`t=${new Date(t).toISOString()} next=${next} last=${String(last)}`);
    }
    expect(failures).toEqual([]);
  });
});
