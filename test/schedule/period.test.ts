import { describe, expect, it } from 'vitest';
import { ExecutorError, InvalidOptionError, InvalidPeriodError } from '../../src/errors.js';
import { PERIOD_UNIT_ALIASES, isCalendarUnit, parsePeriod, periodToMs, type PeriodUnit } from '../../src/schedule/period.js';

function periodError(input: unknown, option?: string): InvalidPeriodError {
  let err: unknown;
  try {
    parsePeriod(input, option);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InvalidPeriodError);
  return err as InvalidPeriodError;
}

describe('parsePeriod', () => {
  it.each<[string, number, PeriodUnit]>([
    ['30 sec', 30, 'second'],
    ['2 min', 2, 'minute'],
    ['1 hour', 1, 'hour'],
    ['day', 1, 'day'],
    ['1 day', 1, 'day'],
    ['1 week', 1, 'week'],
    ['1 month', 1, 'month'],
    ['12 months', 12, 'month'],
    ['2min', 2, 'minute'],
    ['5s', 5, 'second'],
    ['3 HRS', 3, 'hour'],
    ['Week', 1, 'week'],
    ['1\tday', 1, 'day'],
    ['007 min', 7, 'minute'],
  ])('parses %j', (input, amount, unit) => {
    expect(parsePeriod(input)).toEqual({ amount, unit, text: input });
  });

  it('keeps the trimmed original text', () => {
    expect(parsePeriod('  2   Minutes \n')).toEqual({ amount: 2, unit: 'minute', text: '2   Minutes' });
  });

  it('accepts every documented alias, in any case', () => {
    const expected: Record<PeriodUnit, string[]> = {
      second: ['s', 'sec', 'secs', 'second', 'seconds'],
      minute: ['m', 'min', 'mins', 'minute', 'minutes'],
      hour: ['h', 'hr', 'hrs', 'hour', 'hours'],
      day: ['d', 'day', 'days'],
      week: ['w', 'week', 'weeks'],
      month: ['month', 'months'],
    };
    expect(PERIOD_UNIT_ALIASES).toEqual(expected);
    for (const [unit, aliases] of Object.entries(expected)) {
      for (const alias of aliases) {
        expect(parsePeriod(`4 ${alias}`).unit).toBe(unit);
        expect(parsePeriod(alias.toUpperCase()).unit).toBe(unit);
      }
    }
  });

  it("reads 'm' as minutes, never months", () => {
    expect(parsePeriod('1 m').unit).toBe('minute');
    expect(parsePeriod('1M').unit).toBe('minute');
  });

  it.each([
    '', '   ', '0', '0 min', '00 sec', '-1 min', '- 1 min', '+1 min', '1.5 min', '1,5 min', '1e3 sec', '2', 'min 2',
    '2 minz', '1 year', '1 mo', '1 mon', '2 min 30 sec', '2 min ago', 'every day', '½ day', '１ min', 'sec.', '1_000 sec',
  ])('rejects %j', (input) => {
    const err = periodError(input);
    expect(err).toBeInstanceOf(InvalidOptionError);
    expect(err).toBeInstanceOf(ExecutorError);
    expect(err.code).toBe('ERR_INVALID_PERIOD');
    expect(err.option).toBe('period');
    expect(err.message).toMatch(/^Expected `period` to be a period like .*, got ".*"\.$/);
  });

  it.each([30, null, undefined, {}, ['1 min'], true, 30n, Symbol('x')])('rejects the non-string %s', (input) => {
    expect(periodError(input).code).toBe('ERR_INVALID_PERIOD');
  });

  it('names the given option in the error', () => {
    const err = periodError('2 minz', 'every');
    expect(err.option).toBe('every');
    expect(err.message).toBe("Expected `every` to be a period like '30 sec', '2 min', '1 hour', 'day', '1 week' or '1 month', got \"2 minz\".");
  });

  it('rejects amounts whose length in ms is not a safe integer', () => {
    const maxSeconds = Math.floor(Number.MAX_SAFE_INTEGER / 1000);
    expect(parsePeriod(`${maxSeconds} sec`).amount).toBe(maxSeconds);
    periodError(`${maxSeconds + 1} sec`);
    const maxDays = Math.floor(Number.MAX_SAFE_INTEGER / 86_400_000);
    expect(parsePeriod(`${maxDays} days`).amount).toBe(maxDays);
    periodError(`${maxDays + 1} days`);
    const maxMonths = Math.floor(Number.MAX_SAFE_INTEGER / (30 * 86_400_000));
    expect(parsePeriod(`${maxMonths} months`).amount).toBe(maxMonths);
    periodError(`${maxMonths + 1} months`);
    periodError(`${'9'.repeat(400)} sec`);
  });
});

describe('isCalendarUnit', () => {
  it.each<[PeriodUnit, boolean]>([
    ['second', false], ['minute', false], ['hour', false], ['day', true], ['week', true], ['month', true],
  ])('%s -> %s', (unit, expected) => {
    expect(isCalendarUnit(unit)).toBe(expected);
  });
});

describe('periodToMs', () => {
  it.each<[string, number]>([
    ['1 sec', 1000],
    ['30 sec', 30_000],
    ['2 min', 120_000],
    ['1 hour', 3_600_000],
    ['36 h', 129_600_000],
    ['day', 86_400_000],
    ['3 days', 259_200_000],
    ['1 week', 604_800_000],
    ['2 weeks', 1_209_600_000],
    ['1 month', 2_592_000_000],
    ['12 months', 31_104_000_000],
  ])('%s -> %d ms', (text, ms) => {
    expect(periodToMs(parsePeriod(text))).toBe(ms);
  });

  it('is exact for the largest fixed-unit periods', () => {
    const p = parsePeriod(`${Math.floor(Number.MAX_SAFE_INTEGER / 1000)} s`);
    expect(periodToMs(p)).toBe(p.amount * 1000);
    expect(Number.isSafeInteger(periodToMs(p))).toBe(true);
  });
});
