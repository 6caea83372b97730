import { describe, expect, it } from 'vitest';
import {
  archiveStamp, archiveStampEpoch, currentErrorFileName, errorFileOf, parseArchiveFileName, parseErrorArchiveFileName,
} from '../../src/output/archive.js';
import { InvalidOptionError, InvalidTaskNameError } from '../../src/errors.js';

describe('stderr file names', () => {
  it('names the current stderr file and the companion of an output file', () => {
    expect(currentErrorFileName('job')).toBe('job.err.txt');
    expect(() => currentErrorFileName('bad name')).toThrow(InvalidTaskNameError);
    expect(errorFileOf('job.txt')).toBe('job.err.txt');
    expect(errorFileOf('job_20260102-030405-2.txt')).toBe('job_20260102-030405-2.err.txt');
    for (const bad of ['job.log', 'job.err.txt', '', 3 as unknown as string]) expect(() => errorFileOf(bad)).toThrow(InvalidOptionError);
  });

  it('parses stderr archives only, and leaves plain archive parsing unchanged', () => {
    expect(parseErrorArchiveFileName('job', 'job_20260102-030405.err.txt')).toEqual({ stamp: '20260102-030405', seq: 1 });
    expect(parseErrorArchiveFileName('job', 'job_20260102-030405-7.err.txt')).toEqual({ stamp: '20260102-030405', seq: 7 });
    for (const other of ['job_20260102-030405.txt', 'job.err.txt', 'jobs_20260102-030405.err.txt', 'job_20261302-030405.err.txt']) {
      expect(parseErrorArchiveFileName('job', other)).toBeNull();
    }
    expect(parseArchiveFileName('job', 'job_20260102-030405.err.txt')).toBeNull();
  });

  it('turns a stamp back into its epoch', () => {
    const t = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(archiveStampEpoch(archiveStamp(t + 999))).toBe(t);
    expect(archiveStampEpoch('20261302-030405')).toBeNull();
    expect(archiveStampEpoch('nope')).toBeNull();
  });
});
