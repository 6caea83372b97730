import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareArchives, parseArchiveFileName } from '../../src/output/archive.js';
import { formatHeader, padHeader } from '../../src/output/header.js';
import { readStatusFile } from '../../src/process/shim.js';
import { loadExeca } from '../../src/process/load-execa.js';
import { spawnRun, type SpawnRunOptions, type WriterOptions } from '../../src/process/spawn.js';
import { stopTree } from '../../src/process/stop.js';
import { listChildren, listDescendants, listGroupMembers } from '../../src/process/tree.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { waitUntil } from '../helpers/wait.js';

beforeAll(loadExeca); // spawnRun is synchronous: execa is loaded first, as the SDK's callers do

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/process/${name}`, import.meta.url));
const sandbox = useProcessSandbox();
const { janitor } = sandbox;

const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
const MIB = 1024 * 1024;
/** The most a writer reads at once from a pipe (Node's stream read size): the "one chunk" a cut may overshoot by. */
const CHUNK = 64 * 1024;
const LINE_BYTES = 11;

const file = (name: string): string => path.join(sandbox.dir, name);
const read = (name: string): string => (existsSync(file(name)) ? readFileSync(file(name), 'utf8') : '');
const writer = (extra: Partial<WriterOptions> = {}): WriterOptions => ({
  timestamps: false, maxOutputBytes: null, maxArchiveBytes: null, keepArchives: 1000, task: 'job', folder: sandbox.dir, ...extra,
});
const header = (): string => formatHeader({
  task: 'job', runId: 'r1', trigger: 'manual', triggerTime: null, scheduledFor: null, host: 'h', user: 'u',
  interpreter: 'node', command: ['node', 'x.js'], script: 'x.js', startedAt: 0,
});

/** spawnRun with `job.txt` and `status` in the temp folder; the run is tracked for cleanup. */
function run(command: string[], extra: Partial<SpawnRunOptions> = {}) {
  const opts: SpawnRunOptions = {
    command, cwd: sandbox.dir, env: { PATH: process.env.PATH ?? '' }, outputFile: file('job.txt'), statusFile: file('status'), ...extra,
  };
  const spawned = spawnRun(opts);
  janitor.track(spawned.identity);
  return { ...spawned, ...opts };
}

/** Starts partial.mjs and waits until its output (and its stderr, when separate) has come through. */
async function startPartial(extra: Partial<SpawnRunOptions>, code = '0') {
  const r = run([process.execPath, fixture('partial.mjs'), file('go'), code], extra);
  const errFile = extra.stderrFile ? path.basename(extra.stderrFile) : 'job.txt';
  await waitUntil(() => read('job.txt').includes('partial') && read(errFile).includes('oops'), { what: 'the output to come through' });
  const task = Number(/(?:^|Z )pid (\d+)$/m.exec(read('job.txt'))![1]); // the fixture's line, not a header's
  return { ...r, task };
}

const unstamp = (text: string): string => text.split('\n').map((l) => l.replace(STAMP, '')).join('\n');

describe('spawnRun: header', () => {
  it.each([['fd mode', false], ['writer mode', true]])('writes the header first, with the run pid (%s)', async (_, viaWriter) => {
    const r = run([process.execPath, fixture('exit-with.mjs'), '3'], { header: header(), writer: viaWriter ? writer() : null });
    expect(await r.exited).toEqual({ exitCode: 3, signal: null });
    const filled = header().replace('@@EXECUTOR_PID@@', String(r.identity.pid));
    // fd mode pads the header so the command's output starts at a multiple of 4 KiB; the writer does not.
    const expected = viaWriter ? filled : padHeader(filled);
    expect(read('job.txt')).toBe(`${expected}to stdout\nto stderr\n`);
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: 3, signal: null });
  });
});

describe('spawnRun: separate stderr', () => {
  it.each([['fd mode', false], ['writer mode', true]])('sends stderr to its own file (%s)', async (_, viaWriter) => {
    const w = viaWriter ? writer() : null;
    const r = run([process.execPath, fixture('exit-with.mjs'), '4'], { header: '# pid @@EXECUTOR_PID@@\n', stderrFile: file('job.err.txt'), writer: w });
    expect(await r.exited).toEqual({ exitCode: 4, signal: null });
    expect(read('job.txt')).toBe(`# pid ${r.identity.pid}\nto stdout\n`);
    expect(read('job.err.txt')).toBe('to stderr\n');
  });

  it('stamps both files in writer mode and flushes the partial line at exit', async () => {
    const r = await startPartial({ stderrFile: file('job.err.txt'), writer: writer({ timestamps: true }) });
    writeFileSync(file('go'), '');
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    expect(read('job.txt')).toMatch(/^\S+ pid \d+\n\S+ first\n\S+ partial\n$/);
    expect(unstamp(read('job.txt'))).toBe(`pid ${r.task}\nfirst\npartial\n`);
    expect(read('job.err.txt')).toMatch(/^\S+ oops\r\n$/);
    for (const text of [read('job.txt'), read('job.err.txt')]) expect(text.split('\n').slice(0, -1).every((l) => STAMP.test(l))).toBe(true);
  });
});

describe('spawnRun: timestamps', () => {
  it('stamps every line end to end and ends the partial last line with a newline', async () => {
    const r = await startPartial({ header: '# pid @@EXECUTOR_PID@@\n', writer: writer({ timestamps: true }) }, '5');
    writeFileSync(file('go'), '');
    expect(await r.exited).toEqual({ exitCode: 5, signal: null });
    const lines = read('job.txt').split('\n');
    expect(lines[0]).toBe(`# pid ${r.identity.pid}`);
    expect(lines.at(-1)).toBe('');
    const body = lines.slice(1, -1);
    expect(body.every((l) => STAMP.test(l))).toBe(true);
    expect(body.map((l) => l.replace(STAMP, '')).sort()).toEqual(['first', 'oops\r', 'partial', `pid ${r.task}`].sort());
  });
});

describe.each([['merged', null], ['split', 'job.err.txt']])('spawnRun in writer mode (%s stderr)', (_, errName) => {
  const extra = (): Partial<SpawnRunOptions> => ({ writer: writer({ timestamps: true }), stderrFile: errName && file(errName) });

  it('records exit code 3 and exits with it', async () => {
    const r = run([process.execPath, fixture('exit-with.mjs'), '3'], extra());
    expect(await r.exited).toEqual({ exitCode: 3, signal: null });
    expect(read('status')).toMatch(/^3 \d+\.\d+\n$/);
  });

  it('records 127 for a command that does not exist, with the shell message in the output', async () => {
    const r = run([file('no-such-command')], extra());
    expect(await r.exited).toEqual({ exitCode: 127, signal: null });
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: 127, signal: null });
    expect(read(errName ?? 'job.txt')).toMatch(/not found/);
  });

  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)('records %s sent to the group; the writers survive it and flush', async (signal) => {
    const r = await startPartial(extra());
    process.kill(-r.identity.pid, signal);
    expect(await r.exited).toEqual({ exitCode: null, signal });
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: null, signal });
    expect(unstamp(read('job.txt'))).toBe(`pid ${r.task}\nfirst\n${errName ? '' : 'oops\r\n'}partial\n`);
    if (errName) expect(unstamp(read(errName))).toBe('oops\r\n');
    // The shim waited for its writers: nothing of the run is left.
    expect(listGroupMembers(r.identity.pid)).toEqual([]);
  });

  it('records SIGKILL of the child', async () => {
    const r = await startPartial(extra());
    process.kill(r.task, 'SIGKILL');
    expect(await r.exited).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(read('status')).toMatch(/^137 \d+\.\d+\n$/);
    expect(read('job.txt').endsWith('partial\n')).toBe(true);
  });

  it('records SIGKILL when the subshell running the child is killed with it (a forced stop)', async () => {
    const r = await startPartial(extra());
    const left = listChildren(r.identity.pid).find((pid) => pid === r.task || listDescendants(pid).includes(r.task))!;
    expect(left).toBeDefined();
    const doomed = [left, ...listDescendants(left)].filter((pid) => pid === r.task || readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('/bin/sh'));
    for (const pid of doomed) process.kill(pid, 'SIGKILL');
    expect(await r.exited).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(read('status')).toMatch(/^137 \d+\.\d+\n$/);
    expect(read('job.txt')).toContain('partial');
  });
});

describe('stopTree on a writer-mode run', () => {
  it('stops it with SIGTERM: the child dies, the writer flushes, the status is recorded', async () => {
    const r = await startPartial({ writer: writer({ timestamps: true }) });
    expect(await stopTree(r.identity, { killTimeoutMs: 5_000 })).toEqual({ signalled: true, forced: false });
    expect(await r.exited).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(read('status')).toMatch(/^143 \d+\.\d+\n$/);
    expect(read('job.txt').endsWith(' partial\n')).toBe(true);
  });

  it('forces a child that ignores SIGTERM: the status reads SIGKILL and the output so far is kept', async () => {
    const r = run([process.execPath, fixture('tree.mjs'), file('pids'), '0', 'ignore-term'], { writer: writer({ timestamps: true }) });
    await waitUntil(() => read('job.txt').includes('ready'), { what: 'the task to be up' });
    expect(await stopTree(r.identity, { killTimeoutMs: 300 })).toEqual({ signalled: true, forced: true });
    expect(await r.exited).toEqual({ exitCode: null, signal: 'SIGKILL' });
    expect(read('status')).toMatch(/^137 \d+\.\d+\n$/);
    expect(read('job.txt')).toMatch(/^\S+ ready \d+\n$/);
  });
});

/** The task's output kept on disk, oldest first: archives by stamp and sequence number, then the live file. */
function keptFiles(): string[] {
  const archives = readdirSync(sandbox.dir).flatMap((f) => {
    const name = parseArchiveFileName('job', f);
    return name ? [{ f, name }] : [];
  });
  return [...archives.sort((a, b) => compareArchives(a.name, b.name)).map((a) => a.f), 'job.txt'];
}

describe('spawnRun in writer mode: size cap', () => {
  it('keeps a contiguous, intact run of the newest lines of 50 MB written through a 1 MiB cap', async () => {
    const count = Math.floor((50 * MIB) / LINE_BYTES);
    const limits = { maxOutputBytes: MIB, maxArchiveBytes: 3 * MIB };
    const r = run([process.execPath, fixture('numbered-lines.mjs'), String(count)], { writer: writer(limits) });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    const files = keptFiles();
    expect(files.length).toBeGreaterThan(2);
    expect(readdirSync(sandbox.dir).filter((f) => f.includes('.err.'))).toEqual([]);
    const sizes = files.map((f) => statSync(file(f)).size);
    for (const size of sizes) {
      expect(size % LINE_BYTES).toBe(0); // every file starts and ends on a line boundary
      expect(size).toBeLessThanOrEqual(limits.maxOutputBytes + CHUNK);
    }
    const archived = sizes.slice(0, -1).reduce((a, b) => a + b, 0);
    expect(archived).toBeLessThanOrEqual(limits.maxArchiveBytes);
    expect(archived).toBeGreaterThan(limits.maxArchiveBytes - limits.maxOutputBytes); // pruned no more than needed
    const kept = Buffer.concat(files.map((f) => readFileSync(file(f))));
    const lines = kept.length / LINE_BYTES;
    const first = count - lines;
    for (let i = 0; i < lines; i++) {
      const at = i * LINE_BYTES;
      if (kept.toString('latin1', at, at + LINE_BYTES) !== `${String(first + i).padStart(10, '0')}\n`) {
        throw new Error(`line ${i} of the kept output is ${JSON.stringify(kept.toString('latin1', at, at + LINE_BYTES))}, expected ${first + i}`);
      }
    }
    expect(first + lines - 1).toBe(count - 1);
  });

  it('rotates stamped output on line boundaries too', async () => {
    const count = 200_000;
    const limits = { maxOutputBytes: MIB, maxArchiveBytes: 3 * MIB, timestamps: true };
    const r = run([process.execPath, fixture('numbered-lines.mjs'), String(count)], { writer: writer(limits) });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    const files = keptFiles();
    expect(files.length).toBeGreaterThan(2);
    const numbers = files.flatMap((f) => {
      const text = read(f);
      expect(text.endsWith('\n')).toBe(true);
      expect(text.length).toBeLessThanOrEqual(limits.maxOutputBytes + CHUNK * 4);
      return text.slice(0, -1).split('\n').map((l) => {
        expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \d{10}$/);
        return Number(l.slice(25));
      });
    });
    expect(numbers.at(-1)).toBe(count - 1);
    expect(numbers.every((n, i) => i === 0 || n === (numbers[i - 1] as number) + 1)).toBe(true);
  });
});
