import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { pruneArchives } from '../../src/output/prune.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'exsdk-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const put = (file: string, bytes: number): void => writeFileSync(path.join(dir, file), 'x'.repeat(bytes));
const left = (): string[] => readdirSync(dir).sort();

describe('pruneArchives', () => {
  beforeEach(() => {
    // Oldest -> newest: 100000, 100000-2, 100000-10, 100001 (+ its stderr companion), 100002.
    put('job_20260102-100000-10.txt', 100);
    put('job_20260102-100000.txt', 100);
    put('job_20260102-100000-2.txt', 100);
    put('job_20260102-100001.txt', 100);
    put('job_20260102-100001.err.txt', 50);
    put('job_20260102-100002.txt', 100);
    put('job.txt', 1000); // live: never an archive
    put('job.err.txt', 1000);
    put('other_20200101-000000.txt', 1000); // another task's
    put('job_notes.txt', 5);
  });

  it('deletes the oldest archives until the total size fits', async () => {
    const deleted = await pruneArchives(dir, 'job', { maxBytes: 260, keep: null });
    expect(deleted).toEqual(['job_20260102-100000.txt', 'job_20260102-100000-2.txt', 'job_20260102-100000-10.txt']);
    expect(left()).toEqual(['job.err.txt', 'job.txt', 'job_20260102-100001.err.txt', 'job_20260102-100001.txt', 'job_20260102-100002.txt', 'job_notes.txt', 'other_20200101-000000.txt']);
  });

  it('deletes an archive and its stderr companion together', async () => {
    const deleted = await pruneArchives(dir, 'job', { maxBytes: 100, keep: null });
    expect(deleted).toContain('job_20260102-100001.err.txt');
    expect(deleted).toContain('job_20260102-100001.txt');
    expect(existsSync(path.join(dir, 'job_20260102-100002.txt'))).toBe(true);
  });

  it('keeps at most `keep` archives (a companion pair counts once)', async () => {
    expect(await pruneArchives(dir, 'job', { maxBytes: null, keep: 2 })).toHaveLength(3);
    expect(left().filter((f) => f.startsWith('job_2'))).toEqual(['job_20260102-100001.err.txt', 'job_20260102-100001.txt', 'job_20260102-100002.txt']);
    expect(await pruneArchives(dir, 'job', { maxBytes: null, keep: 0 })).toHaveLength(3);
    expect(left()).toEqual(['job.err.txt', 'job.txt', 'job_notes.txt', 'other_20200101-000000.txt']);
  });

  it('deletes nothing within the limits, or without limits', async () => {
    expect(await pruneArchives(dir, 'job', { maxBytes: 550, keep: 5 })).toEqual([]);
    expect(await pruneArchives(dir, 'job', { maxBytes: null, keep: null })).toEqual([]);
    expect(left()).toHaveLength(10);
  });

  it('leaves live files alone and does not count them', async () => {
    const deleted = await pruneArchives(dir, 'job', { maxBytes: 0, keep: null }, (f) => f === 'job_20260102-100000.txt');
    expect(deleted).toHaveLength(5);
    expect(left().filter((f) => f.startsWith('job_2'))).toEqual(['job_20260102-100000.txt']);
  });

  it('rejects bad limits', async () => {
    for (const limits of [{ maxBytes: -1, keep: null }, { maxBytes: null, keep: 1.5 }, { maxBytes: Number.NaN, keep: null }, { maxBytes: '1' as unknown as number, keep: null }]) {
      await expect(pruneArchives(dir, 'job', limits)).rejects.toThrow(InvalidOptionError);
    }
  });
});
