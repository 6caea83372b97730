import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExecutorLog, formatLogLine, LOG_KEEP_ROTATED, LOG_ROTATE_BYTES } from '../../src/store/log.js';
import { useStoreKit } from '../fixtures/store/kit.js';

const kit = useStoreKit();

// Big lines make rotation cheap to reach: a bit over 1 MiB each, so 10 of them cross LOG_ROTATE_BYTES.
const BIG_LINE_BYTES = 1024 * 1024 + 1;
const ROTATIONS = LOG_KEEP_ROTATED + 2;

/** A line of BIG_LINE_BYTES (newline included) that starts with its index. */
function bigLine(i: number): string {
  const head = `line-${i}-`;
  return head + 'x'.repeat(BIG_LINE_BYTES - head.length - 1);
}

/** Indexes of the big lines in a log file, in order. */
function indexesIn(file: string): number[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => Number(/^line-(\d+)-/.exec(l)![1]));
}

describe('formatLogLine', () => {
  it('formats `[ YYYY-MM-DD HH:mm:ss ] message` in local time', () => {
    const at = new Date(2026, 10, 22, 12, 25, 0, 999);
    expect(formatLogLine('Starting LOL jobs/test.js (pid: 94491)', at)).toBe('[ 2026-11-22 12:25:00 ] Starting LOL jobs/test.js (pid: 94491)');
    expect(formatLogLine('x', new Date(2027, 0, 2, 3, 4, 5))).toBe('[ 2027-01-02 03:04:05 ] x');
  });

  it('flattens \\n and \\r\\n into spaces so one event is one line', () => {
    const at = new Date(2026, 0, 1, 0, 0, 0);
    expect(formatLogLine('first\nsecond\r\nthird', at)).toBe('[ 2026-01-01 00:00:00 ] first second third');
    expect(formatLogLine('', at)).toBe('[ 2026-01-01 00:00:00 ] ');
  });

  it('defaults to now', () => {
    expect(formatLogLine('now')).toMatch(/^\[ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \] now$/);
  });
});

describe('ExecutorLog', () => {
  it('appends lines in order, coalescing a burst, and flush waits for them', async () => {
    const file = path.join(kit.tmpDir(), 'executor.log');
    const log = new ExecutorLog(file);
    expect(log.file).toBe(file);
    for (let i = 0; i < 100; i++) void log.append(`event ${i}`);
    await log.flush();
    expect(readFileSync(file, 'utf8')).toBe(Array.from({ length: 100 }, (_, i) => `event ${i}\n`).join(''));
  });

  it('appends after lines another writer left, and two writers on one file both land', async () => {
    const file = path.join(kit.tmpDir(), 'executor.log');
    writeFileSync(file, 'old\n');
    const a = new ExecutorLog(file);
    const b = new ExecutorLog(file);
    await a.append('from a');
    await b.append('from b');
    expect(readFileSync(file, 'utf8')).toBe('old\nfrom a\nfrom b\n');
  });

  it(`rotates past LOG_ROTATE_BYTES to executor.log.1 and keeps at most LOG_KEEP_ROTATED (${LOG_KEEP_ROTATED})`, async () => {
    const dir = kit.tmpDir();
    const file = path.join(dir, 'executor.log');
    const log = new ExecutorLog(file);
    const perRotation = Math.floor(LOG_ROTATE_BYTES / BIG_LINE_BYTES) + 1;
    let i = 0;
    await log.append(bigLine(i++));
    expect(existsSync(`${file}.1`)).toBe(false);
    for (; i < perRotation - 1; i++) await log.append(bigLine(i));
    expect(statSync(file).size).toBeLessThanOrEqual(LOG_ROTATE_BYTES);
    expect(existsSync(`${file}.1`)).toBe(false);
    await log.append(bigLine(i++)); // crosses the limit
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(file)).toBe(false); // re-created by the next append
    expect(indexesIn(`${file}.1`)).toEqual(Array.from({ length: perRotation }, (_, k) => k));

    for (; i < perRotation * ROTATIONS + 1; i++) await log.append(bigLine(i));
    await log.flush();
    const logs = readdirSync(dir).filter((f) => f.startsWith('executor.log')).sort();
    expect(logs).toEqual(['executor.log', ...Array.from({ length: LOG_KEEP_ROTATED }, (_, k) => `executor.log.${k + 1}`)]);
    // Oldest in .N, newest in the live file: together one contiguous run of lines ending with the last one.
    const kept = [...Array.from({ length: LOG_KEEP_ROTATED }, (_, k) => `${file}.${LOG_KEEP_ROTATED - k}`), file].flatMap(indexesIn);
    expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => i - kept.length + k));
    expect(kept.length).toBe(perRotation * LOG_KEEP_ROTATED + 1);
    for (let k = 1; k <= LOG_KEEP_ROTATED; k++) expect(statSync(`${file}.${k}`).size).toBeGreaterThan(LOG_ROTATE_BYTES);
  });

  it('does not rotate when another writer already rotated (re-checks the real size)', async () => {
    const dir = kit.tmpDir();
    const file = path.join(dir, 'executor.log');
    const a = new ExecutorLog(file);
    const b = new ExecutorLog(file);
    const perRotation = Math.floor(LOG_ROTATE_BYTES / BIG_LINE_BYTES) + 1;
    await b.append('b was here'); // b's size estimate starts small
    for (let i = 0; i < perRotation; i++) await a.append(bigLine(i)); // a rotates
    expect(existsSync(`${file}.1`)).toBe(true);
    for (let i = 0; i < perRotation - 1; i++) await b.append(bigLine(100 + i)); // b's estimate crosses the limit, the file does not
    expect(existsSync(`${file}.2`)).toBe(false);
    expect(indexesIn(file)).toEqual(Array.from({ length: perRotation - 1 }, (_, k) => 100 + k));
  });
});
