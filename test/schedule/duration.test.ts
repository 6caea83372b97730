import { describe, expect, it } from 'vitest';
import { InvalidDurationError } from '../../src/errors.js';
import { parseDuration } from '../../src/schedule/duration.js';

function durationError(value: unknown, option = 'timeout'): InvalidDurationError {
  let err: unknown;
  try {
    parseDuration(value, option);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InvalidDurationError);
  return err as InvalidDurationError;
}

describe('parseDuration', () => {
  it.each<[unknown, number]>([
    [0, 0],
    [-0, 0],
    [1500, 1500],
    [0.5, 0.5],
    ['30 sec', 30_000],
    ['2 min', 120_000],
    ['2min', 120_000],
    ['1 hour', 3_600_000],
    ['hour', 3_600_000],
    ['day', 86_400_000],
    ['2 days', 172_800_000],
    ['1 week', 604_800_000],
    [' 5s ', 5000],
  ])('reads %j as %d ms', (value, ms) => {
    expect(Object.is(parseDuration(value, 'timeout'), ms)).toBe(true);
  });

  it.each<unknown>([
    -1, -0.5, NaN, Infinity, -Infinity, '', '   ', 'abc', '-5 min', '1.5 min', '0 sec', '10', '1 month', '2 months',
    null, undefined, true, {}, [1000],
  ])('rejects %j', (value) => {
    const err = durationError(value, 'jitter');
    expect(err.code).toBe('ERR_INVALID_DURATION');
    expect(err.message).toMatch(/^Expected `jitter` to be a number of milliseconds >= 0 or a period string/);
  });

  it('rejects a bigint', () => {
    expect(durationError(10n).code).toBe('ERR_INVALID_DURATION');
  });

  it('shows the bad value in the message', () => {
    expect(durationError('1 month').message).toContain('got "1 month"');
    expect(durationError(-3).message).toContain('got -3');
  });
});
