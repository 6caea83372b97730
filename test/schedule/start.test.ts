import { afterEach, describe, expect, it } from 'vitest';
import { ExecutorError, InvalidStartError, InvalidTimezoneError } from '../../src/errors.js';
import {
  MAX_EPOCH_MS, assertTimezone, clampEpoch, epochToWall, parseStart, wallFromFields, wallToEpoch,
} from '../../src/schedule/start.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

// Independent check of a zone's wall clock, via Intl with a different locale and options.
function localString(t: number, timeZone: string): string {
  return new Date(t).toLocaleString('sv-SE', { timeZone, hourCycle: 'h23' });
}

describe('assertTimezone', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Etc/GMT+5'])('accepts %s and returns it unchanged', (tz) => {
    expect(assertTimezone(tz)).toBe(tz);
  });

  it.each(['Mars/Olympus_Mons', 'Europe/Berlinn', '', ' UTC', 'UTC ', 'Europe/Berlin\n', 42, null, undefined, {}, ['UTC']])('rejects %j', (tz) => {
    const err = thrown(() => assertTimezone(tz));
    expect(err).toBeInstanceOf(InvalidTimezoneError);
    expect(err).toBeInstanceOf(ExecutorError);
    expect((err as InvalidTimezoneError).code).toBe('ERR_INVALID_TIMEZONE');
    expect((err as Error).message).toMatch(/^Expected `timezone` to be an IANA time zone like .*, got .*\.$/);
  });
});

describe('parseStart: absolute values', () => {
  it('accepts a valid Date', () => {
    expect(parseStart(new Date(Date.UTC(2021, 1, 27, 13)), 'Asia/Tokyo')).toBe(Date.UTC(2021, 1, 27, 13));
  });

  it('accepts finite epoch-ms numbers, truncating fractions like Date does', () => {
    expect(parseStart(1_614_430_800_000, null)).toBe(1_614_430_800_000);
    expect(parseStart(0, 'UTC')).toBe(0);
    expect(parseStart(-1, 'UTC')).toBe(-1);
    expect(parseStart(1.9, 'UTC')).toBe(1);
    expect(Object.is(parseStart(-0.5, 'UTC'), 0)).toBe(true);
    expect(parseStart(MAX_EPOCH_MS, 'UTC')).toBe(MAX_EPOCH_MS);
    expect(parseStart(-MAX_EPOCH_MS, 'UTC')).toBe(-MAX_EPOCH_MS);
  });

  it.each<[string, number]>([
    ['2021-02-27T13:00:00Z', Date.UTC(2021, 1, 27, 13)],
    ['2021-02-27T13:00:00.123Z', Date.UTC(2021, 1, 27, 13, 0, 0, 123)],
    ['2021-02-27T13:00:00.5Z', Date.UTC(2021, 1, 27, 13, 0, 0, 500)],
    ['2021-02-27T13:00Z', Date.UTC(2021, 1, 27, 13)],
    ['2021-02-27 13:00:00Z', Date.UTC(2021, 1, 27, 13)],
    ['2021-02-27t13:00:00z', Date.UTC(2021, 1, 27, 13)],
    ['2021-02-27T13:00:00+05:30', Date.UTC(2021, 1, 27, 7, 30)],
    ['2021-02-27T13:00:00+0530', Date.UTC(2021, 1, 27, 7, 30)],
    ['2021-02-27T13:00:00+05', Date.UTC(2021, 1, 27, 8)],
    ['2021-02-27T13:00:00-03:00', Date.UTC(2021, 1, 27, 16)],
    ['2021-02-27 13:00 +01:00', Date.UTC(2021, 1, 27, 12)],
    ['  2021-02-27T13:00:00Z  ', Date.UTC(2021, 1, 27, 13)],
    [new Date(Date.UTC(2026, 2, 29, 1, 30)).toISOString(), Date.UTC(2026, 2, 29, 1, 30)],
  ])('reads %j as absolute, whatever the zone', (input, expected) => {
    expect(parseStart(input, 'America/New_York')).toBe(expected);
    expect(parseStart(input, 'Asia/Tokyo')).toBe(expected);
    expect(parseStart(input, null)).toBe(expected);
  });
});

describe('parseStart: wall-clock strings', () => {
  it.each<[string, string, number]>([
    ['2021-02-27 13:00:00', 'America/New_York', Date.UTC(2021, 1, 27, 18)],
    ['2021-07-27 13:00:00', 'America/New_York', Date.UTC(2021, 6, 27, 17)],
    ['2021-02-27T13:00', 'Europe/Berlin', Date.UTC(2021, 1, 27, 12)],
    ['2021-02-27 13:00', 'Asia/Kolkata', Date.UTC(2021, 1, 27, 7, 30)],
    ['2021-02-27', 'Europe/Berlin', Date.UTC(2021, 1, 26, 23)],
    ['2021-02-27', 'UTC', Date.UTC(2021, 1, 27)],
    ['2021-02-27 13:00:00.250', 'UTC', Date.UTC(2021, 1, 27, 13, 0, 0, 250)],
    ['2024-02-29 23:59:59', 'UTC', Date.UTC(2024, 1, 29, 23, 59, 59)],
    ['1880-01-01 12:00', 'Europe/Berlin', Date.UTC(1880, 0, 1, 11, 6, 32)], // LMT, +00:53:28
  ])('reads %j in %s', (input, tz, expected) => {
    expect(parseStart(input, tz)).toBe(expected);
  });

  it('moves a wall time skipped by spring-forward forward by the gap', () => {
    // Berlin 2026-03-29: 02:00 CET -> 03:00 CEST, so 02:30 becomes 03:30 CEST = 01:30Z.
    const berlin = parseStart('2026-03-29 02:30', 'Europe/Berlin');
    expect(berlin).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect(localString(berlin, 'Europe/Berlin')).toBe('2026-03-29 03:30:00');
    expect(parseStart('2026-03-08 02:30', 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 7, 30));
    // Lord Howe springs forward by 30 minutes: 02:15 becomes 02:45.
    const howe = parseStart('2026-10-04 02:15', 'Australia/Lord_Howe');
    expect(localString(howe, 'Australia/Lord_Howe')).toBe('2026-10-04 02:45:00');
  });

  it('takes the first occurrence of a wall time repeated by fall-back', () => {
    expect(parseStart('2026-10-25 02:30', 'Europe/Berlin')).toBe(Date.UTC(2026, 9, 25, 0, 30));
    expect(parseStart('2026-11-01 01:30', 'America/New_York')).toBe(Date.UTC(2026, 10, 1, 5, 30));
    // Just outside the repeated hour there is no ambiguity.
    expect(parseStart('2026-10-25 03:00', 'Europe/Berlin')).toBe(Date.UTC(2026, 9, 25, 2));
    expect(parseStart('2026-10-25 01:59:59', 'Europe/Berlin')).toBe(Date.UTC(2026, 9, 24, 23, 59, 59));
  });

  it('throws InvalidTimezoneError for a bad zone, even for absolute values', () => {
    expect(thrown(() => parseStart('2021-02-27 13:00', 'Nowhere/Land'))).toBeInstanceOf(InvalidTimezoneError);
    expect(thrown(() => parseStart(0, 'Nowhere/Land'))).toBeInstanceOf(InvalidTimezoneError);
  });
});

describe('parseStart: the system local zone (timezone null)', () => {
  const saved = process.env.TZ;
  afterEach(() => {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('reads wall-clock strings in the process time zone', () => {
    process.env.TZ = 'Asia/Tokyo';
    expect(parseStart('2021-02-27 13:00', null)).toBe(Date.UTC(2021, 1, 27, 4));
    process.env.TZ = 'Europe/Berlin';
    expect(parseStart('2021-02-27 13:00', null)).toBe(Date.UTC(2021, 1, 27, 12));
    expect(parseStart('2026-03-29 02:30', null)).toBe(Date.UTC(2026, 2, 29, 1, 30));
    expect(parseStart('2026-10-25 02:30', null)).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });
});

describe('parseStart: rejects', () => {
  it.each([
    'tomorrow-ish', '2021-13-45 99:00:00', '2021-02-30', '2021-02-29', '2021-00-10', '2021-02-27 24:00', '2021-02-27 13:60',
    '2021-02-27 13:00:60', '2021-2-27', '21-02-27', '2021/02/27', '2021-02-27T13', '2021-02-27T1:00', '2021-02-27Z',
    '2021-02-27T13:00:00.1234Z', '2021-02-27T13:00:00+24:00', '2021-02-27T13:00:00+05:60', '2021-02-27T13:00:00+5',
    '2021-02-27T13:00:00 UTC', 'Sat Feb 27 2021', '1614430800000', '', '  ', 'now',
  ])('the string %j', (input) => {
    const err = thrown(() => parseStart(input, 'Europe/Berlin'));
    expect(err).toBeInstanceOf(InvalidStartError);
    expect((err as InvalidStartError).code).toBe('ERR_INVALID_START');
    expect((err as Error).message).toMatch(/^Expected `start` to be a Date, an epoch in ms, or a date string like .*, got ".*"\.$/);
  });

  it.each([NaN, Infinity, -Infinity, MAX_EPOCH_MS + 1, -MAX_EPOCH_MS - 1, new Date(Number.NaN), null, undefined, {}, [], true, 10n])(
    'the value %s',
    (input) => {
      expect(thrown(() => parseStart(input, null))).toBeInstanceOf(InvalidStartError);
    },
  );
});

describe('epochToWall / wallToEpoch', () => {
  it('is the identity in UTC, including years 0-99 and BC years', () => {
    for (const t of [0, -1, 1_614_430_800_123, wallFromFields(50, 5, 6, 7, 8, 9, 10), wallFromFields(0, 1, 29), wallFromFields(-100, 0, 1, 5), -MAX_EPOCH_MS, MAX_EPOCH_MS]) {
      expect(epochToWall(t, 'UTC')).toBe(t);
      expect(wallToEpoch(t, 'UTC')).toBe(t);
    }
  });

  it('wallFromFields handles every year and overflowing fields', () => {
    expect(wallFromFields(2021, 1, 27, 13)).toBe(Date.UTC(2021, 1, 27, 13));
    expect(wallFromFields(2021, 12, 1)).toBe(Date.UTC(2022, 0, 1));
    expect(wallFromFields(2024, 2, 0)).toBe(Date.UTC(2024, 1, 29));
    expect(new Date(wallFromFields(5, 0, 1)).getUTCFullYear()).toBe(5);
    expect(wallFromFields(300_000, 0, 1)).toBeNaN();
  });

  it('reads sub-minute historical offsets', () => {
    const t = Date.UTC(1880, 0, 1, 11, 6, 32);
    expect(epochToWall(t, 'Europe/Berlin')).toBe(Date.UTC(1880, 0, 1, 12));
  });

  it('round-trips every half hour of a year with two DST changes, gaps moving forward and overlaps taking the first', () => {
    const failures: string[] = [];
    for (const tz of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe']) {
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 30 * MINUTE) {
        const wall = epochToWall(t, tz);
        const back = wallToEpoch(wall, tz);
        if (epochToWall(back, tz) !== wall || back > t || t - back > HOUR) failures.push(`${tz} ${new Date(t).toISOString()}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('follows process.env.TZ for the local zone', () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'America/New_York';
      const t = Date.UTC(2026, 6, 1, 12);
      expect(epochToWall(t, null)).toBe(t - 4 * HOUR);
      expect(wallToEpoch(Date.UTC(2026, 2, 8, 2, 30), null)).toBe(Date.UTC(2026, 2, 8, 7, 30));
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it('returns NaN for NaN and out-of-range inputs', () => {
    expect(wallToEpoch(Number.NaN, 'UTC')).toBeNaN();
    expect(epochToWall(MAX_EPOCH_MS + 1, 'UTC')).toBeNaN();
    expect(epochToWall(Number.NaN, null)).toBeNaN();
  });

  it('clampEpoch keeps a day inside the Date range', () => {
    expect(clampEpoch(0)).toBe(0);
    expect(clampEpoch(MAX_EPOCH_MS)).toBe(MAX_EPOCH_MS - 24 * HOUR);
    expect(clampEpoch(-Infinity)).toBe(-MAX_EPOCH_MS + 24 * HOUR);
  });
});
