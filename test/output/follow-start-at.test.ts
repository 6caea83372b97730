// followFile's `startAt` and readTail's `end`: the lines before a noted point, then every line after it, none twice.
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { followFile, notePosition } from '../../src/output/follow.js';
import { readTail } from '../../src/output/tail.js';
import { T } from '../helpers/time.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function tmpFile(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'follow-at-'));
  dirs.push(dir);
  return path.join(dir, 'job.txt');
}

async function take(it: AsyncIterableIterator<string>, n: number): Promise<string[]> {
  const out: string[] = [];
  const deadline = AbortSignal.timeout(T(5_000));
  while (out.length < n) {
    const next = await Promise.race([it.next(), new Promise<never>((_, reject) => deadline.addEventListener('abort', () => reject(new Error(`only ${out.length} of ${n} lines`)), { once: true }))]);
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describe('followFile startAt + readTail end', () => {
  it('reads the lines before the mark, and follows from it even for lines written before the follow began', async () => {
    const file = tmpFile();
    writeFileSync(file, 'a\nb\n');
    const at = notePosition(file)!;
    appendFileSync(file, 'c\nd\n'); // written after the mark, before the follower exists
    expect(await readTail(file, 10, at.size)).toEqual(['a', 'b']);
    const ac = new AbortController();
    const lines = followFile(file, { startAt: at, signal: ac.signal });
    appendFileSync(file, 'e\n');
    expect(await take(lines, 3)).toEqual(['c', 'd', 'e']);
    ac.abort();
  });

  it('reads a file that replaced the marked one from its start (a restart archived it)', async () => {
    const file = tmpFile();
    writeFileSync(file, 'old\n');
    const at = notePosition(file)!;
    appendFileSync(file, 'old tail\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'new 1\nnew 2\n');
    const ac = new AbortController();
    expect(await take(followFile(file, { startAt: at, signal: ac.signal }), 2)).toEqual(['new 1', 'new 2']);
    ac.abort();
  });

  it('refuses a startAt that is not a position', () => {
    expect(() => followFile(tmpFile(), { startAt: { dev: 1, ino: -1, size: 0 } })).toThrow(InvalidOptionError);
  });
});
