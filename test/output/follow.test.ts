import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { followFile, type FollowOptions } from '../../src/output/follow.js';
import { archiveFileName } from '../../src/output/archive.js';
import { InvalidOptionError } from '../../src/errors.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FAST_POLL_MS = 10;

let dir: string;
let file: string;
const iterators: AsyncIterableIterator<string>[] = [];
const children: ChildProcess[] = [];

beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'exsdk-')));
  file = path.join(dir, 'job.txt');
});

afterEach(async () => {
  await Promise.all(iterators.splice(0).map((it) => it.return?.()));
  for (const child of children.splice(0)) {
    if (child.pid !== undefined && pidAlive(child.pid)) child.kill('SIGKILL');
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function follow(opts: FollowOptions = {}): AsyncIterableIterator<string> {
  const it = followFile(file, { pollMs: FAST_POLL_MS, ...opts });
  iterators.push(it);
  return it;
}

// Consumes an iterator in the background into `got`.
function collect(it: AsyncIterableIterator<string>): { got: string[]; done: Promise<void> } {
  const got: string[] = [];
  const done = (async () => {
    for await (const line of it) got.push(line);
  })();
  return { got, done };
}

async function waitForLines(got: string[], count: number): Promise<void> {
  await waitUntil(() => got.length >= count, { what: `${count} lines (have ${got.length})` });
}

// Number of this process's fds open on files inside the temp folder.
function openFdsInDir(): number {
  let count = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(`${dir}/`)) count++;
    } catch {
      // the fd used by readdir itself is gone by now
    }
  }
  return count;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

// Starts a run the way the supervisor does: stdout and stderr straight to the file by fd.
function spawnWriter(code: string, target: string): ChildProcess {
  const fd = fs.openSync(target, 'a');
  try {
    const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', fd, fd] });
    children.push(child);
    return child;
  } finally {
    fs.closeSync(fd);
  }
}

const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);

describe('followFile', () => {
  it('yields only lines appended after it was called, by default', async () => {
    fs.writeFileSync(file, 'old 1\nold 2\n');
    const { got } = collect(follow());
    fs.appendFileSync(file, 'new 1\nnew 2\n');
    await waitForLines(got, 2);
    expect(got).toEqual(['new 1', 'new 2']);
  });

  it('yields existing lines first with fromStart', async () => {
    fs.writeFileSync(file, 'old 1\nold 2\n');
    const { got } = collect(follow({ fromStart: true }));
    await waitForLines(got, 2);
    fs.appendFileSync(file, 'new 1\n');
    await waitForLines(got, 3);
    expect(got).toEqual(['old 1', 'old 2', 'new 1']);
  });

  it('waits for a file that does not exist yet, then reads it from the start', async () => {
    const { got } = collect(follow());
    await waitUntil(() => openFdsInDir() === 0); // nothing to open yet, and no error
    fs.writeFileSync(file, 'first\nsecond\n');
    await waitForLines(got, 2);
    expect(got).toEqual(['first', 'second']);
  });

  it('buffers partial lines and multi-byte characters until the newline', async () => {
    const { got } = collect(follow());
    const euro = Buffer.from('€'); // 3 bytes
    fs.writeFileSync(file, 'pa');
    await waitUntil(() => openFdsInDir() === 1);
    fs.appendFileSync(file, Buffer.concat([Buffer.from('rt '), euro.subarray(0, 1)]));
    await waitUntil(() => fs.statSync(file).size === 6);
    fs.appendFileSync(file, Buffer.concat([euro.subarray(1), Buffer.from('\r\nnext\n')]));
    await waitForLines(got, 2);
    expect(got).toEqual(['part €', 'next']);
  });

  it('starts over when the file is truncated', async () => {
    fs.writeFileSync(file, '');
    const { got } = collect(follow());
    fs.appendFileSync(file, 'a long first line\nsecond line\n');
    await waitForLines(got, 2);
    fs.truncateSync(file, 0);
    fs.appendFileSync(file, 'x\n'); // shorter than what was read: seen as a truncation
    await waitForLines(got, 3);
    expect(got).toEqual(['a long first line', 'second line', 'x']);
  });

  it('follows across restarts: drains the archived file, then reads the new one, each line once', async () => {
    fs.writeFileSync(file, '');
    const { got } = collect(follow());
    const expected: string[] = [];
    let startedAt = Date.UTC(2026, 0, 1);
    for (let run = 1; run <= 3; run++) {
      // The run's writer keeps its fd, as a child process does.
      const fd = fs.openSync(file, 'a');
      const first = range(`run ${run} a`, 50);
      fs.writeSync(fd, first.map((l) => `${l}\n`).join(''));
      expected.push(...first);
      await waitForLines(got, expected.length);
      // Written while the follower sleeps, right before the restart renames the file: must not be lost.
      const last = range(`run ${run} b`, 20);
      fs.writeSync(fd, `${last.join('\n')}\nno newline`);
      expected.push(...last, 'no newline');
      fs.closeSync(fd);
      fs.renameSync(file, path.join(dir, archiveFileName('job', startedAt, (f) => fs.existsSync(path.join(dir, f)))));
      startedAt += 1000;
      fs.writeFileSync(file, '');
    }
    fs.appendFileSync(file, 'final\n');
    expected.push('final');
    await waitForLines(got, expected.length);
    expect(got).toEqual(expected);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('job_'))).toHaveLength(3);
  });

  it('follows real child processes writing by fd, across a restart', async () => {
    const code = (run: number): string => `
      let i = 0;
      const t = setInterval(() => {
        (i % 2 ? process.stderr : process.stdout).write('run ${run} line ' + i + '\\n');
        if (++i === 150) clearInterval(t);
      }, 1);`;
    const { got } = collect(follow());
    const run1 = spawnWriter(code(1), file);
    expect(await exitOf(run1)).toBe(0);
    fs.renameSync(file, path.join(dir, archiveFileName('job', Date.now(), () => false)));
    const run2 = spawnWriter(code(2), file);
    expect(await exitOf(run2)).toBe(0);
    const expected = [...range('run 1 line', 150), ...range('run 2 line', 150)];
    await waitForLines(got, expected.length);
    expect(got).toEqual(expected);
  });

  it('closes the file on break', async () => {
    fs.writeFileSync(file, '');
    const it = follow();
    fs.appendFileSync(file, 'one\ntwo\nthree\n');
    const seen: string[] = [];
    for await (const line of it) {
      expect(openFdsInDir()).toBe(1);
      seen.push(line);
      if (line === 'two') break;
    }
    expect(seen).toEqual(['one', 'two']);
    expect(openFdsInDir()).toBe(0);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('stops a pending next() and closes the file on abort', async () => {
    fs.writeFileSync(file, 'x\n');
    const ac = new AbortController();
    const it = follow({ signal: ac.signal });
    const pending = it.next();
    await waitUntil(() => openFdsInDir() === 1);
    ac.abort();
    expect(await pending).toEqual({ value: undefined, done: true });
    await waitUntil(() => openFdsInDir() === 0, { what: 'the fd to be closed' });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('stops a pending next() on return()', async () => {
    fs.writeFileSync(file, '');
    const it = follow();
    const pending = it.next();
    await waitUntil(() => openFdsInDir() === 1);
    await it.return?.();
    expect(openFdsInDir()).toBe(0);
    expect(await pending).toEqual({ value: undefined, done: true });
  });

  it('ends at once with an already aborted signal', async () => {
    fs.writeFileSync(file, 'x\n');
    const it = follow({ signal: AbortSignal.abort(), fromStart: true });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(openFdsInDir()).toBe(0);
  });

  it('keeps the process alive only while next() is pending', async () => {
    // The child awaits one line, gets it, and must then exit by itself (no timer left behind).
    fs.writeFileSync(file, '');
    const script = `
      const { followFile } = await import(${JSON.stringify(path.join(REPO_ROOT, 'src/output/follow.ts'))});
      const it = followFile(${JSON.stringify(file)}, { pollMs: 20 });
      process.stdout.write('ready\\n');
      const { value } = await it.next();
      process.stdout.write('got ' + value + '\\n');`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    await waitUntil(() => out.includes('ready'), { what: 'the child to be ready' });
    fs.appendFileSync(file, 'hello\n');
    await waitUntil(() => child.exitCode !== null, { what: 'the child to exit by itself' });
    expect(child.exitCode).toBe(0);
    expect(out).toBe('ready\ngot hello\n');
  });

  it('validates its options', () => {
    expect(() => followFile(file, { pollMs: 0 })).toThrow(InvalidOptionError);
    expect(() => followFile(file, { pollMs: Number.NaN })).toThrow(/Expected `pollMs` to be/);
    expect(() => followFile('')).toThrow(InvalidOptionError);
    expect(() => followFile(file, { signal: {} as AbortSignal })).toThrow(InvalidOptionError);
  });
});
