import { afterEach, describe, expect, it } from 'vitest';
import {
  archiveFileName,
  archiveStamp,
  compareArchives,
  currentOutputFileName,
  MAX_ARCHIVE_SEQ,
  parseArchiveFileName,
} from '../../src/output/archive.js';
import { ExecutorError, InvalidOptionError, InvalidTaskNameError } from '../../src/errors.js';

const T = Date.UTC(2026, 0, 2, 3, 4, 5, 678); // 2026-01-02T03:04:05.678Z

describe('archiveStamp', () => {
  const savedTz = process.env.TZ;
  afterEach(() => {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  });

  it('formats YYYYMMDD-HHmmss in UTC, dropping milliseconds', () => {
    expect(archiveStamp(T)).toBe('20260102-030405');
    expect(archiveStamp(0)).toBe('19700101-000000');
    expect(archiveStamp(Date.UTC(2024, 1, 29, 23, 59, 59, 999))).toBe('20240229-235959');
  });

  it('does not depend on the local time zone', () => {
    process.env.TZ = 'Pacific/Kiritimati'; // UTC+14
    expect(archiveStamp(T)).toBe('20260102-030405');
    process.env.TZ = 'America/Los_Angeles';
    expect(archiveStamp(T)).toBe('20260102-030405');
  });

  it.each([Number.NaN, -1, Number.POSITIVE_INFINITY, 1e16, '1' as unknown as number])('rejects %s', (bad) => {
    expect(() => archiveStamp(bad)).toThrow(InvalidOptionError);
    expect(() => archiveStamp(bad)).toThrow(/Expected `epochMs` to be/);
  });
});

describe('archiveFileName', () => {
  it('is <task>_<stamp>.txt when free', () => {
    expect(archiveFileName('job', T, () => false)).toBe('job_20260102-030405.txt');
  });

  it('adds -2, -3, ... while the name is taken', () => {
    const taken = new Set<string>();
    const names = Array.from({ length: 4 }, () => {
      const name = archiveFileName('job', T, (f) => taken.has(f));
      taken.add(name);
      return name;
    });
    expect(names).toEqual(['job_20260102-030405.txt', 'job_20260102-030405-2.txt', 'job_20260102-030405-3.txt', 'job_20260102-030405-4.txt']);
  });

  it('gives up with an error instead of looping forever', () => {
    let calls = 0;
    expect(() => archiveFileName('job', T, () => (calls++, true))).toThrow(InvalidOptionError);
    expect(calls).toBe(MAX_ARCHIVE_SEQ);
  });

  it('rejects invalid task names and predicates', () => {
    expect(() => archiveFileName('../x', T, () => false)).toThrow(InvalidTaskNameError);
    expect(() => archiveFileName('job', T, 'no' as unknown as () => boolean)).toThrow(InvalidOptionError);
  });
});

describe('parseArchiveFileName', () => {
  it('inverts archiveFileName', () => {
    const taken = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const name = archiveFileName('job.1', T, (f) => taken.has(f));
      taken.add(name);
      expect(parseArchiveFileName('job.1', name)).toEqual({ stamp: '20260102-030405', seq: i + 1 });
    }
  });

  it.each([
    'job.txt',
    'job_20260102-030405.log',
    'job_20260102-030405.txt.bak',
    'job_20260102-030405-1.txt',
    'job_20260102-030405-0.txt',
    'job_20260102-030405-02.txt',
    'job_20260102-030405-.txt',
    'job_20261301-000000.txt',
    'job_20260102-250000.txt',
    'job_20260230-000000.txt',
    'job_2026010-030405.txt',
    'jobs_20260102-030405.txt',
    'job_x_20260102-030405.txt',
    'other_20260102-030405.txt',
    'job_20260102-030405-999999999999999999999.txt',
    '',
  ])('returns null for %j', (fileName) => {
    expect(parseArchiveFileName('job', fileName)).toBeNull();
  });

  it('does not mistake another task with a longer name for this one', () => {
    const name = archiveFileName('job_x', T, () => false);
    expect(parseArchiveFileName('job', name)).toBeNull();
    expect(parseArchiveFileName('job_x', name)).toEqual({ stamp: '20260102-030405', seq: 1 });
  });

  it('rejects an invalid task name', () => {
    let err: unknown;
    try { parseArchiveFileName('a/b', 'a/b_20260102-030405.txt'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ExecutorError);
    expect((err as ExecutorError).code).toBe('ERR_INVALID_TASK_NAME');
  });
});

describe('compareArchives', () => {
  it('sorts oldest -> newest by (stamp, seq), unlike plain string order', () => {
    const oldest = archiveFileName('job', T - 1000, () => false);
    const sameSecond = ['job_20260102-030405.txt', 'job_20260102-030405-2.txt', 'job_20260102-030405-10.txt'];
    const newest = archiveFileName('job', T + 86_400_000, () => false);
    const expected = [oldest, ...sameSecond, newest];
    const shuffled = [newest, sameSecond[2], 'job.txt', oldest, sameSecond[1], 'notes.md', sameSecond[0]] as string[];
    const sorted = shuffled
      .map((fileName) => ({ fileName, parsed: parseArchiveFileName('job', fileName) }))
      .filter((a): a is { fileName: string; parsed: { stamp: string; seq: number } } => a.parsed !== null)
      .sort((a, b) => compareArchives(a.parsed, b.parsed))
      .map((a) => a.fileName);
    expect(sorted).toEqual(expected);
    expect([...expected].sort()).not.toEqual(expected);
  });
});

describe('currentOutputFileName', () => {
  it('is <task>.txt', () => {
    expect(currentOutputFileName('job')).toBe('job.txt');
    expect(() => currentOutputFileName('')).toThrow(InvalidTaskNameError);
  });
});
