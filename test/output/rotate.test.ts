import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compareArchives, parseArchiveFileName, parseErrorArchiveFileName } from '../../src/output/archive.js';
import { cutPoint, nextArchiveFileName, RotatingFile, type RotatingFileOptions } from '../../src/output/rotate.js';

const T = Date.UTC(2026, 10, 24, 10, 0, 0);
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'exsdk-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const b = (s: string): Buffer => Buffer.from(s);

/** The task's `.txt` archives, oldest first. */
function archives(task = 'job'): string[] {
  return readdirSync(dir).flatMap((f) => {
    const name = parseArchiveFileName(task, f);
    return name ? [{ f, name }] : [];
  }).sort((x, y) => compareArchives(x.name, y.name)).map((x) => x.f);
}
const read = (f: string): string => readFileSync(path.join(dir, f), 'utf8');

function rotating(opts: Partial<RotatingFileOptions> = {}): RotatingFile {
  return new RotatingFile({ file: path.join(dir, 'job.txt'), folder: dir, task: 'job', stream: 'out', maxBytes: 10, now: () => T, ...opts });
}

describe('cutPoint', () => {
  it('is null while the buffer fits', () => {
    expect(cutPoint(b('12345'), 5, 10, true)).toBeNull();
    expect(cutPoint(b(''), 10, 10, false)).toBeNull();
  });
  it('cuts after the last newline that keeps the file within the cap', () => {
    expect(cutPoint(b('ab\ncd\nef\n'), 2, 10, false)).toBe(6);
    expect(cutPoint(b('ab\ncdefgh\n'), 0, 9, true)).toBe(3);
  });
  it('rotates first when no newline fits and the file ends a line', () => {
    expect(cutPoint(b('abcdefgh\n'), 5, 10, true)).toBe(0);
    expect(cutPoint(b('a\n'), 12, 10, true)).toBe(0); // already over the cap
  });
  it('lets the file pass the cap up to the first newline when it is empty or mid-line', () => {
    expect(cutPoint(b('abcdefghijkl\nmn\n'), 0, 10, true)).toBe(13);
    expect(cutPoint(b('cdefghijkl\nmn\n'), 5, 10, false)).toBe(11);
  });
  it('takes the whole buffer when it has no newline at all', () => {
    expect(cutPoint(b('abcdefghijklmnop'), 0, 10, true)).toBe(16);
    expect(cutPoint(b('abcdefghijklmnop'), 3, 10, false)).toBe(16);
  });
});

describe('nextArchiveFileName', () => {
  it('names after the newest archive of the stream, never reusing a freed name', () => {
    expect(nextArchiveFileName(dir, 'job', T, 'out')).toBe('job_20261124-100000.txt');
    writeFileSync(path.join(dir, 'job_20261124-100000-4.txt'), '');
    writeFileSync(path.join(dir, 'job_20261124-100005.err.txt'), '');
    expect(nextArchiveFileName(dir, 'job', T, 'out')).toBe('job_20261124-100000-5.txt');
    expect(nextArchiveFileName(dir, 'job', T + 60_000, 'out')).toBe('job_20261124-100100.txt');
    expect(nextArchiveFileName(dir, 'job', T, 'err')).toBe('job_20261124-100005-2.err.txt');
  });
});

describe('RotatingFile', () => {
  it('rotates at line boundaries, losing and repeating nothing', () => {
    const f = rotating();
    const lines = Array.from({ length: 20 }, (_, i) => `${String(i).padStart(3, '0')}\n`); // 4 bytes each
    expect(f.write(b(lines.slice(0, 7).join('')))).toBe(3);
    for (const line of lines.slice(7)) f.write(b(line));
    f.close();
    const names = archives();
    expect(names[0]).toBe('job_20261124-100000.txt');
    expect(names[1]).toBe('job_20261124-100000-2.txt');
    const contents = [...names.map(read), read('job.txt')];
    expect(contents.join('')).toBe(lines.join(''));
    for (const c of contents) {
      expect(c.length).toBeLessThanOrEqual(10);
      expect(c.endsWith('\n')).toBe(true);
    }
  });

  it('never reuses a name freed by pruning, and ignores a clock going back', () => {
    let now = T;
    const f = rotating({ now: () => now, maxBytes: 4 });
    for (let i = 0; i < 4; i++) f.write(b(`${i}..\n`));
    expect(archives()).toEqual(['job_20261124-100000.txt', 'job_20261124-100000-2.txt', 'job_20261124-100000-3.txt']);
    unlinkSync(path.join(dir, 'job_20261124-100000.txt'));
    unlinkSync(path.join(dir, 'job_20261124-100000-2.txt'));
    now = T - 60_000;
    f.write(b('4..\n'));
    expect(archives()).toEqual(['job_20261124-100000-3.txt', 'job_20261124-100000-4.txt']);
    now = T + 1000;
    f.write(b('5..\n'));
    expect(archives().at(-1)).toBe('job_20261124-100001.txt');
    f.close();
  });

  it('names after archives left by an earlier writer, and uses .err.txt names for stderr', () => {
    writeFileSync(path.join(dir, 'job_20261124-100000-7.err.txt'), 'old\n');
    writeFileSync(path.join(dir, 'job_20261124-100000-9.txt'), 'old\n');
    const f = rotating({ file: path.join(dir, 'job.err.txt'), stream: 'err', maxBytes: 4 });
    f.write(b('abc\ndef\n'));
    f.close();
    expect(readdirSync(dir).filter((x) => parseErrorArchiveFileName('job', x))).toContain('job_20261124-100000-8.err.txt');
    expect(read('job_20261124-100000-8.err.txt')).toBe('abc\n');
    expect(read('job.err.txt')).toBe('def\n');
  });

  it('appends to an existing file, counting its size and whether it ends a line', () => {
    writeFileSync(path.join(dir, 'job.txt'), 'abcdef'); // mid-line, 6 bytes
    const f = rotating();
    expect(f.size).toBe(6);
    f.write(b('ghijk\nl\n'));
    f.close();
    expect(read('job_20261124-100000.txt')).toBe('abcdefghijk\n');
    expect(read('job.txt')).toBe('l\n');
  });

  it('never throws: a folder that is missing drops the bytes until it is back', () => {
    const sub = path.join(dir, 'later');
    const f = new RotatingFile({ file: path.join(sub, 'job.txt'), folder: sub, task: 'job', stream: 'out', maxBytes: null });
    expect(f.write(b('lost\n'))).toBe(0);
    mkdirSync(sub);
    f.write(b('kept\n'));
    f.close();
    f.close();
    expect(readFileSync(path.join(sub, 'job.txt'), 'utf8')).toBe('kept\n');
  });

  it('keeps writing to the current file when the cap is null', () => {
    const f = rotating({ maxBytes: null });
    f.write(b('x'.repeat(100)));
    f.close();
    expect(archives()).toEqual([]);
    expect(read('job.txt')).toHaveLength(100);
  });
});
