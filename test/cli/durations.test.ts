// Issue 12 item 11: CLI duration flags. A bare number is seconds (as `timeout 30`), or a period string (30s, 5 min, 2h);
// a bad value exits 2 with "a number of seconds or a period like '30s', '5 min' or '2h'", and nothing is written.
// Also item 10 on the CLI: a NUL byte in a spec file's script or args is refused, nothing written.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../../src/task/rows.js';
import { useCli } from '../helpers/cli.js';
import { FIXTURES, snapshotFolder } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';

const cli = useCli();
const EXPECTED = "a number of seconds or a period like '30s', '5 min' or '2h'";

async function rowsOf(folder: string): Promise<TaskRow[]> {
  return cli.kit.open(folder).listTasks();
}

describe('add --timeout / --jitter', () => {
  it.each([
    ['30', 30_000], ['30s', 30_000], ['5 min', 300_000], ['5m', 300_000], ['2h', 7_200_000], ['90 sec', 90_000], ['0.5', 500], ['1 day', 86_400_000],
  ])('--timeout %j is %d ms', async (value, ms) => {
    const { folder } = cli.folder();
    const result = await cli.run(folder, ['add', 'x', 'once.js', '--wd', FIXTURES, '--once', '--timeout', value]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect((await rowsOf(folder))[0]).toMatchObject({ name: 'x', timeoutMs: ms });
  });

  it('--jitter takes the same forms, 0 included', async () => {
    const { folder } = cli.folder();
    for (const [name, value] of [['a', '10'], ['b', '10s'], ['c', '0']] as const) {
      const result = await cli.run(folder, ['add', name, 'once.js', '--wd', FIXTURES, '--period', '1 hour', '--jitter', value]);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    expect((await rowsOf(folder)).map((r) => [r.name, r.jitterMs])).toEqual([['a', 10_000], ['b', 10_000], ['c', 0]]);
  });

  it.each([['abc'], ['30 parsecs'], ['2 months'], ['-5'], ['1e3'], ['']])('--timeout %j exits 2 saying what it takes, nothing written', async (value) => {
    const { folder } = cli.folder();
    await cli.kit.open(folder).addTask('keep', 'once.js', { wd: FIXTURES, infiniteLoop: false });
    const before = snapshotFolder(folder);
    const result = await cli.run(folder, ['add', 'x', 'once.js', '--wd', FIXTURES, '--timeout', value]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`Expected ${EXPECTED}, got ${JSON.stringify(value)}.`);
    expect(result.stderr).toMatch(/^executor: ERR_USAGE: option '--timeout <duration>'/);
    expect(snapshotFolder(folder)).toEqual(before);
  });

  it('--timeout 0 is refused (a timeout is more than 0); --jitter of a bad value too; no folder is created', async () => {
    const { folder } = cli.folder();
    const zero = await cli.run(folder, ['add', 'x', 'once.js', '--wd', FIXTURES, '--timeout', '0']);
    expect(zero.exitCode).toBe(2);
    expect(zero.stderr).toContain(`Expected ${EXPECTED}, more than 0, got "0".`);
    const jitter = await cli.run(folder, ['add', 'x', 'once.js', '--wd', FIXTURES, '--period', '1 hour', '--jitter', 'soon']);
    expect(jitter.exitCode).toBe(2);
    expect(jitter.stderr).toContain(`Expected ${EXPECTED}, got "soon".`);
    expect(existsSync(folder)).toBe(false);
  });
});

describe('supervise --sleep', () => {
  it('takes a period string (banner in seconds)', async () => {
    const { folder } = cli.folder();
    const c = cli.spawn(folder, ['supervise', '--sleep', '2s']);
    await waitUntil(() => /Supervising .* \(sleep 2 s\)/.test(c.stderr()) || undefined, { timeoutMs: 15_000, what: 'the Supervising banner' });
    c.child.kill('SIGTERM');
    expect((await c.exited).exitCode).toBe(0);
  });

  it.each([['abc'], ['0'], ['0s']])('--sleep %j exits 2 with the duration message', async (value) => {
    const { folder } = cli.folder();
    const result = await cli.run(folder, ['supervise', '--sleep', value]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^executor: ERR_USAGE: option '--sleep <duration>'/);
    expect(result.stderr).toContain(EXPECTED);
    expect(existsSync(folder)).toBe(false);
  });
});

describe('NUL bytes in a spec file (add --file)', () => {
  it.each([
    ['script', { name: 'x', script: 'once\u0000.js' }, /`script` to be a string without NUL bytes/],
    ['args', { name: 'x', script: 'once.js', args: ['a\u0000b'] }, /`args\[0\]` to be a string without NUL bytes/],
    ['a step interpreter', { name: 'x', steps: [{ name: 's', script: 'once.js', interpreter: ['node\u0000'] }] }, /`steps\[0\]\.interpreter\[0\]`/],
  ])('a NUL in %s: exit 2, nothing written', async (_what, entry, message) => {
    const { folder, dir } = cli.folder();
    await cli.kit.open(folder).addTask('keep', 'once.js', { wd: FIXTURES, infiniteLoop: false });
    const spec = path.join(dir, 'spec.json');
    writeFileSync(spec, JSON.stringify({ ...entry, wd: FIXTURES }));
    const before = snapshotFolder(folder);
    const result = await cli.run(folder, ['add', '--file', spec]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/ERR_INVALID_OPTION/);
    expect(result.stderr).toMatch(message);
    expect(snapshotFolder(folder)).toEqual(before);
  });
});
