// Issue 13: a failed run's error message is read synchronously when it is closed (so a restart spawns sooner), with
// the same result as the asynchronous reader, or undefined when the lines searched do not fit in the last 64 KiB.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEADER_BEGIN, HEADER_END } from '../../src/output/header.js';
import { lastErrorLine } from '../../src/program/error-line.js';
import { lastErrorLineSync } from '../../src/run/error-line-sync.js';
import { useStoreKit } from '../fixtures/store/kit.js';

const kit = useStoreKit();

const cases: [string, string, string | null][] = [
  ['plain lines, trailing blank ones', 'starting\nworking\nboom: it broke\n\n  \n', null],
  ['no trailing newline', 'one\ntwo', null],
  ['CRLF endings', 'one\r\nlast one\r\n', null],
  ['only a header block', `${HEADER_BEGIN}\n# task: job\n${HEADER_END}\n`, null],
  ['a header block, then output', `${HEADER_BEGIN}\n# task: job\n${HEADER_END}\nreal output\n`, null],
  ['time-stamped lines', '2026-01-02T03:04:05.678Z hello\n2026-01-02T03:04:06.000Z Error: nope\n', null],
  ['200 KB of numbered lines', Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n'), null],
  ['with a separate stderr file', 'stdout line\n', 'stderr: failed\n'],
  ['with an empty stderr file', 'stdout line\n', ''],
];

describe('lastErrorLineSync', () => {
  it.each(cases)('%s: the same message as lastErrorLine', async (_what, out, err) => {
    const dir = kit.tmpDir();
    writeFileSync(path.join(dir, 'job.txt'), out);
    if (err !== null) writeFileSync(path.join(dir, 'job.err.txt'), err);
    const errorFile = err === null ? null : 'job.err.txt';
    const stamped = out.startsWith('2026-');
    const expected = await lastErrorLine(dir, 'job.txt', errorFile, stamped);
    expect(lastErrorLineSync(dir, 'job.txt', errorFile, stamped)).toBe(expected);
  });

  it('is null for a missing or empty output, as lastErrorLine', async () => {
    const dir = kit.tmpDir();
    expect(lastErrorLineSync(dir, 'gone.txt', null)).toBeNull();
    writeFileSync(path.join(dir, 'empty.txt'), '');
    expect(lastErrorLineSync(dir, 'empty.txt', null)).toBeNull();
    expect(await lastErrorLine(dir, 'empty.txt', null)).toBeNull();
  });

  it('says undefined (read it the long way) when the lines searched reach back past the last 64 KiB', async () => {
    const dir = kit.tmpDir();
    writeFileSync(path.join(dir, 'job.txt'), `${'x'.repeat(70_000)}\nshort\n`);
    expect(lastErrorLineSync(dir, 'job.txt', null)).toBeUndefined();
    expect(await lastErrorLine(dir, 'job.txt', null)).toBe('short');
  });
});
