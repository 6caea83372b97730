import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTail, TAIL_CHUNK_BYTES } from '../../src/output/tail.js';
import { InvalidOptionError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exsdk-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(content: string | Buffer): string {
  const file = path.join(dir, 'job.txt');
  fs.writeFileSync(file, content);
  return file;
}

// Reference: all lines of a text, per the same rules (trailing newline ends a line, CR stripped).
function allLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  return lines.map((l) => l.replace(/\r$/, ''));
}

describe('readTail', () => {
  it('returns the last n lines of a small file', async () => {
    const file = write('a\nb\nc\nd\n');
    expect(await readTail(file, 1)).toEqual(['d']);
    expect(await readTail(file, 2)).toEqual(['c', 'd']);
    expect(await readTail(file, 4)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('returns the whole file when n is larger', async () => {
    const file = write('a\nb\n');
    expect(await readTail(file, 10)).toEqual(['a', 'b']);
  });

  it('returns a partial last line (no newline yet)', async () => {
    const file = write('a\nb\npart');
    expect(await readTail(file, 1)).toEqual(['part']);
    expect(await readTail(file, 2)).toEqual(['b', 'part']);
    expect(await readTail(file, 9)).toEqual(['a', 'b', 'part']);
  });

  it('keeps blank lines but adds none for the trailing newline', async () => {
    expect(await readTail(write('a\n\nb\n\n'), 3)).toEqual(['', 'b', '']);
    expect(await readTail(write('\n'), 5)).toEqual(['']);
    expect(await readTail(write('x'), 5)).toEqual(['x']);
  });

  it('strips \\r of \\r\\n line endings', async () => {
    const file = write('one\r\ntwo\r\nthree\r\n');
    expect(await readTail(file, 2)).toEqual(['two', 'three']);
    expect(await readTail(write('a\r\nb\r'), 5)).toEqual(['a', 'b']);
  });

  it('returns [] for n = 0, an empty file and a missing file', async () => {
    expect(await readTail(write('a\n'), 0)).toEqual([]);
    expect(await readTail(write(''), 3)).toEqual([]);
    expect(await readTail(path.join(dir, 'missing.txt'), 3)).toEqual([]);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number])('rejects n = %s', async (n) => {
    await expect(readTail(write('a\n'), n)).rejects.toThrow(InvalidOptionError);
    await expect(readTail(write('a\n'), n)).rejects.toThrow(/Expected `n` to be a non-negative integer/);
  });

  it('propagates errors other than a missing file', async () => {
    await expect(readTail(dir, 1)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it('decodes a multi-byte character split by a chunk boundary', async () => {
    // The first chunk read is the last TAIL_CHUNK_BYTES of the file; put a 4-byte emoji across its start.
    const tail = 'z\n';
    for (const cut of [1, 2, 3]) {
      const before = 'é'.repeat(10) + 'x'.repeat(1000);
      const afterLength = TAIL_CHUNK_BYTES - tail.length - 1 - (4 - cut); // 1 for the "\n" ending `line`
      const line = `${before}😀${'y'.repeat(afterLength)}`;
      const file = write(`first\n${line}\n${tail}`);
      expect(fs.statSync(file).size - TAIL_CHUNK_BYTES).toBe(Buffer.byteLength(`first\n${before}`) + cut);
      expect(await readTail(file, 2)).toEqual([line, 'z']);
      expect(await readTail(file, 3)).toEqual(['first', line, 'z']);
    }
  });

  it('matches a reference split on multi-byte text spanning many chunks', async () => {
    const words = ['é', '€', '😀', 'abc', '中文', '\r'];
    const lines = Array.from({ length: 5000 }, (_, i) => words.slice(0, (i % words.length) + 1).join('').repeat((i * 7) % 31));
    const text = `${lines.join('\n')}\n`;
    const file = write(text);
    expect(fs.statSync(file).size).toBeGreaterThan(3 * TAIL_CHUNK_BYTES);
    const expected = allLines(text);
    for (const n of [1, 2, 17, 999, 4999, 5000, 6000]) {
      expect(await readTail(file, n)).toEqual(expected.slice(-n));
    }
  });

  it('returns lines longer than a chunk', async () => {
    const long = 'L'.repeat(3 * TAIL_CHUNK_BYTES + 123);
    const file = write(`head\n${long}\nshort\n${long}`);
    expect(await readTail(file, 1)).toEqual([long]);
    expect(await readTail(file, 3)).toEqual([long, 'short', long]);
    expect(await readTail(file, 4)).toEqual(['head', long, 'short', long]);
  });

  it('reads only the end of a ~200 MB file', async () => {
    const file = path.join(dir, 'big.txt');
    fs.writeFileSync(file, 'very first line\n');
    fs.truncateSync(file, 200 * 1024 * 1024); // sparse: cheap to create, and no newline in it
    // The leading "\n" closes the huge run of NUL bytes, so even n = 10 needs none of it.
    fs.appendFileSync(file, `\n${Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n')}\n`);
    expect(fs.statSync(file).size).toBeGreaterThan(200 * 1024 * 1024);
    expect(await readTail(file, 3)).toEqual(['line 8', 'line 9', 'line 10']);
    expect(await readTail(file, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 1}`));
    fs.rmSync(file);
  });
});
