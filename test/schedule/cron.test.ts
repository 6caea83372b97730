import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { InvalidCronError, InvalidTimezoneError } from '../../src/errors.js';
import { parseCron, type CronSpec } from '../../src/schedule/cron.js';
import { MAX_CRON_WALL, MIN_CRON_WALL } from '../../src/schedule/cron-wall.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function cronError(expr: unknown, timezone: string | null = 'UTC', option?: string): InvalidCronError {
  let err: unknown;
  try {
    parseCron(expr, timezone, option);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InvalidCronError);
  return err as InvalidCronError;
}

// The matching walls in [from, to) found one by one with WallCron.next.
function walk(spec: CronSpec, from: number, to: number): number[] {
  const out: number[] = [];
  for (let w = spec.wall.next(from - 1); w !== null && w < to; w = spec.wall.next(w)) out.push(w);
  return out;
}

// The same walls found by testing every step (second or minute) with the value sets.
function brute(spec: CronSpec, from: number, to: number): number[] {
  const step = spec.fields === 6 ? SEC : MIN;
  const out: number[] = [];
  for (let w = from; w < to; w += step) if (spec.wall.matches(w)) out.push(w);
  return out;
}

// The same walls by croner at UTC offset 0: an independent reading of the expression (used as an
// oracle only where croner 10.0.1 is right: it skips e.g. 1 March for day lists containing 31).
function oracle(expr: string, fields: number, from: number, to: number): number[] {
  const job = new Cron(expr, { utcOffset: 0, paused: true, mode: fields === 6 ? '6-part' : '5-part', domAndDow: false });
  const out: number[] = [];
  for (let d = job.nextRun(new Date(from - 1)); d !== null && d.getTime() < to; d = job.nextRun(d)) out.push(d.getTime());
  return out;
}

function iso(walls: number[]): string[] {
  return walls.map((w) => new Date(w).toISOString().slice(0, 19));
}

describe('parseCron', () => {
  it('accepts 5 fields (minute precision) and 6 fields (seconds first)', () => {
    const five = parseCron('30 2 * * *', 'Europe/Berlin');
    expect(five).toMatchObject({ text: '30 2 * * *', fields: 5, timezone: 'Europe/Berlin' });
    expect(five.sets.second).toEqual([0]);
    const six = parseCron('  15   30 2 * * * ', null);
    expect(six).toMatchObject({ text: '15 30 2 * * *', fields: 6, timezone: null });
    expect(six.sets.second).toEqual([15]);
  });

  it('expands *, */n, a, a-b, a-b/n and lists', () => {
    const s = parseCron('*/15 0-4/2,22 1,15-17 */3 1-5', 'UTC').sets;
    expect(s.minute).toEqual([0, 15, 30, 45]);
    expect(s.hour).toEqual([0, 2, 4, 22]);
    expect(s.dayOfMonth).toEqual([1, 15, 16, 17]);
    expect(s.month).toEqual([1, 4, 7, 10]);
    expect(s.dayOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron('*/20 * * * * *', 'UTC').sets.second).toEqual([0, 20, 40]);
    expect(parseCron('0 0 * * 05', 'UTC').sets.dayOfWeek).toEqual([5]);
  });

  it('treats Sunday as 0 or 7', () => {
    for (const dow of ['0', '7', '0,7']) expect(parseCron(`0 9 * * ${dow}`, 'UTC').sets.dayOfWeek).toEqual([0]);
    expect(parseCron('0 9 * * 5-7', 'UTC').sets.dayOfWeek).toEqual([0, 5, 6]);
    const from = Date.UTC(2026, 0, 1);
    const sundays = walk(parseCron('0 9 * * 0', 'UTC'), from, from + 28 * DAY);
    expect(walk(parseCron('0 9 * * 7', 'UTC'), from, from + 28 * DAY)).toEqual(sundays);
    expect(iso(sundays)).toEqual(['2026-01-04T09:00:00', '2026-01-11T09:00:00', '2026-01-18T09:00:00', '2026-01-25T09:00:00']);
  });

  it('combines day of month and day of week with OR when both are restricted (Vixie cron)', () => {
    // 2026-02: Fridays are the 6th, 13th, 20th and 27th; the 13th is itself a Friday.
    const from = Date.UTC(2026, 1, 1);
    const to = Date.UTC(2026, 2, 1);
    const days = (expr: string): number[] => walk(parseCron(expr, 'UTC'), from, to).map((w) => new Date(w).getUTCDate());
    expect(days('0 0 10 * 5')).toEqual([6, 10, 13, 20, 27]);
    expect(days('0 0 10 * *')).toEqual([10]);
    expect(days('0 0 * * 5')).toEqual([6, 13, 20, 27]);
    expect(days('0 0 1-31 * 5')).toHaveLength(28);
  });

  it('walks 6-field, list, range and step expressions exactly (croner agrees)', () => {
    const cases: [string, number][] = [
      ['*/20 * * * * *', 2 * HOUR],
      ['5,35 10-12/2 * * * *', DAY],
      ['0 */7 3-5 * * *', 3 * DAY],
      ['*/13 */11 * * *', 5 * DAY],
      ['15,45 */5 1-10/3 * 0,7', 40 * DAY],
      ['0 12 29 2 *', 9 * 365 * DAY],
      ['0 0 13 * 5', 400 * DAY],
    ];
    for (const [expr, span] of cases) {
      const spec = parseCron(expr, 'UTC');
      const from = Date.UTC(2023, 11, 30, 22, 17, 3);
      const walked = walk(spec, from, from + span);
      expect(walked).toEqual(oracle(expr, spec.fields, from, from + span));
      // Brute force minute by minute over years is slow: compare counts there, lists on short spans.
      if (span <= 5 * DAY) expect(walked).toEqual(brute(spec, Math.ceil(from / (spec.fields === 6 ? SEC : MIN)) * (spec.fields === 6 ? SEC : MIN), from + span));
      expect(spec.wall.count(from - 1, from + span - 1)).toBe(walked.length);
      expect(walked.length).toBeGreaterThan(0);
      // The previous match (from the value sets) agrees with croner's forward walk.
      for (let i = 1; i < walked.length; i += Math.ceil(walked.length / 200)) {
        const [prev, cur] = [walked[i - 1]!, walked[i]!];
        expect(spec.wall.prevAtOrBefore(cur)).toBe(cur);
        expect(spec.wall.prevAtOrBefore(cur - 1)).toBe(prev);
        expect(spec.wall.prevAtOrBefore(Math.floor((prev + cur) / 2))).toBe(prev);
      }
    }
  });

  it('does not skip 1 March for day lists containing 31 (a croner 10.0.1 bug)', () => {
    const from = Date.UTC(2024, 1, 18);
    expect(iso(walk(parseCron('0 0 1,31 * *', 'UTC'), from, Date.UTC(2024, 4, 2)))).toEqual([
      '2024-03-01T00:00:00', '2024-03-31T00:00:00', '2024-04-01T00:00:00', '2024-05-01T00:00:00',
    ]);
    expect(iso(walk(parseCron('12 20 */15 * 2', 'UTC'), from, Date.UTC(2024, 2, 6)))).toEqual([
      '2024-02-20T20:12:00', '2024-02-27T20:12:00', '2024-03-01T20:12:00', '2024-03-05T20:12:00',
    ]);
  });

  it('lists the first 6-field matches', () => {
    const from = Date.UTC(2026, 0, 1, 10, 0, 0);
    expect(iso(walk(parseCron('5,35 10-12/2 * * * *', 'UTC'), from, from + 13 * MIN))).toEqual([
      '2026-01-01T10:10:05', '2026-01-01T10:10:35', '2026-01-01T10:12:05', '2026-01-01T10:12:35',
    ]);
  });

  it('finds the previous match exactly', () => {
    const spec = parseCron('0 12 29 2 *', 'UTC');
    expect(iso([spec.wall.prevAtOrBefore(Date.UTC(2104, 1, 29, 11, 59, 59, 999))!])).toEqual(['2096-02-29T12:00:00']);
    expect(spec.wall.prevAtOrBefore(Date.UTC(2096, 1, 29, 12))).toBe(Date.UTC(2096, 1, 29, 12));
    const every = parseCron('* * * * * *', 'UTC');
    expect(every.wall.prevAtOrBefore(Date.UTC(2026, 0, 1, 0, 0, 0, 999))).toBe(Date.UTC(2026, 0, 1));
    expect(every.wall.prevAtOrBefore(MIN_CRON_WALL - 1)).toBeNull();
    expect(every.wall.next(MAX_CRON_WALL)).toBeNull();
  });

  it.each<[unknown, string]>([
    ['* * * *', '4 fields'],
    ['* * * * * * *', '7 fields'],
    ['', '0 fields'],
    ['   ', '0 fields'],
    ['60 * * * *', 'minute field'],
    ['* 24 * * *', 'hour field'],
    ['* * 0 * *', 'day-of-month field'],
    ['* * 32 * *', 'day-of-month field'],
    ['* * * 13 *', 'month field'],
    ['* * * * 8', 'day-of-week field'],
    ['60 * * * * *', 'second field'],
    ['5-1 * * * *', 'runs backwards'],
    ['*/0 * * * *', 'step'],
    ['*/61 * * * *', 'step'],
    ['5/15 * * * *', 'stepping with numeric prefix'],
    ['0 9 * * MON', 'day-of-week field'],
    ['0 9 * JAN *', 'month field'],
    ['0 9 ? * *', 'day-of-month field'],
    ['0 9 L * *', 'day-of-month field'],
    ['0 9 * * 5#2', 'day-of-week field'],
    ['@daily', '1 field'],
    ['1,,2 * * * *', 'minute () is empty'],
    ['-1 * * * *', 'illegal lower range'],
    ['1.5 * * * *', 'minute field'],
    ['0 0 30 2 *', 'never matches'],
    ['0 0 31 4,6,9,11 *', 'never matches'],
  ])('rejects %j (%s)', (expr, detail) => {
    const err = cronError(expr);
    expect(err.code).toBe('ERR_INVALID_CRON');
    expect(err.message).toContain('Expected `cron` to be a cron expression of 5 fields');
    expect(err.message).toContain(detail);
    expect(err.message).toContain(`got ${JSON.stringify(expr)}`);
  });

  it('rejects non-strings, naming the option', () => {
    for (const bad of [null, undefined, 5, ['* * * * *'], { cron: '* * * * *' }]) {
      const err = cronError(bad, 'UTC', 'schedule.cron');
      expect(err.code).toBe('ERR_INVALID_CRON');
      expect(err.message).toMatch(/^Expected `schedule\.cron` to be a cron expression/);
    }
  });

  it('accepts a day that exists in some chosen month, and impossible days when day of week also restricts', () => {
    expect(parseCron('0 0 29 2 *', 'UTC').fields).toBe(5);
    expect(parseCron('0 0 31 1-12 *', 'UTC').fields).toBe(5);
    expect(parseCron('0 0 30 2 1', 'UTC').fields).toBe(5);
  });

  it('validates the time zone', () => {
    expect(() => parseCron('* * * * *', 'Mars/Olympus')).toThrow(InvalidTimezoneError);
  });
});
