// CLI edge cases (the built bin as a subprocess): bad flag values, `run --wait` with a separate stderr, a reader that
// closes the pipe of `logs -f`, Ctrl-C on `run --wait --json`, a `wd` deleted since `add`, `supervise --stop-tasks`.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { clusterEnvOf, useCli, type CliChild, type CliResult } from '../helpers/cli.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { runInTty } from '../fixtures/cli/tasks/kit.js';
import { T } from '../helpers/time.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/cli/edge/', import.meta.url));
const fixture = (name: string): string => path.join(FIXTURES, name);
/** How long a signalled (or piped-away) CLI may take to exit before the test fails (no timing is asserted). */
const EXIT_DEADLINE_MS = 10_000;

const cli = useCli();

/** A new folder with an Executor on it (the test adds its tasks through the SDK). */
function setup(): { ex: Executor; folder: string; dir: string } {
  const { folder, dir } = cli.folder();
  return { ex: cli.kit.open(folder), folder, dir };
}

/** Non-empty lines of a text. */
const linesOf = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** Expects exit `code`, exactly one stderr line, `executor: <errCode>: …`, no stack, nothing on stdout. */
function expectError(r: CliResult, code: number, errCode: string, message?: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(code);
  expect(r.signal).toBeNull();
  expect(r.stdout).toBe('');
  const lines = linesOf(r.stderr);
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^executor: ${errCode}: \\S`));
  if (message) expect(lines[0]).toMatch(message);
}

/** Resolves with the CLI's result once it exits, or fails after the deadline. */
async function exitOf(c: CliChild, what: string): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not exit within ${EXIT_DEADLINE_MS} ms (stdout: ${c.stdout()}; stderr: ${c.stderr()})`)), T(EXIT_DEADLINE_MS));
  });
  try {
    return await Promise.race([c.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until task `name`'s current output shows `tick <n>` for some n >= `atLeast`. */
async function ticked(ex: Executor, name: string, atLeast: number): Promise<void> {
  const reached = (lines: string[]): boolean => lines.some((l) => /^tick \d+$/.test(l) && Number(l.slice(5)) >= atLeast);
  await waitUntil(async () => reached(await ex.readOut(name, 5).catch(() => [])), { timeoutMs: EXIT_DEADLINE_MS, what: `${name} printing tick ${atLeast}` });
}

describe('bad flag values exit 2 with one `executor: ERR_USAGE:` line', () => {
  it.each([
    ['next NAME -n 0', ['next', 'job', '-n', '0'], /-n.*"0"/],
    ["emit EVT --data '{bad'", ['emit', 'EVT', '--data', '{bad'], /--data.*\{bad/],
    ['log -n abc', ['log', '-n', 'abc'], /-n.*"abc"/],
    ['run --file jobs.txt --concurrency 0', ['run', '--file', 'jobs.txt', '--concurrency', '0'], /--concurrency.*"0"/],
    ['logs NAME -f --step s', ['logs', 'job', '-f', '--step', 's'], /-f.*--step/],
    ['runs --limit 0', ['runs', '--limit', '0'], /--limit.*"0"/],
  ])('%s', async (_label, args, message) => {
    const { ex, folder, dir } = setup();
    await ex.addTask('job', fixture('streams.js'), { infiniteLoop: false, period: '1h' });
    const runsBefore = await ex.listRuns();
    const r = await cli.run(folder, args, { cwd: dir });
    expectError(r, 2, 'ERR_USAGE', message);
    expect(await ex.listRuns()).toEqual(runsBefore); // nothing ran
  });
});

describe("run NAME --wait on a task with stderr: 'separate'", () => {
  it('streams its stdout on stdout and its stderr on stderr; exit 0', async () => {
    const { ex, folder } = setup();
    await ex.addTask('both', fixture('streams.js'), { infiniteLoop: false, stderr: 'separate' });
    const r = await cli.run(folder, ['run', 'both', '--wait']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(linesOf(r.stdout)).toContain('out1');
    expect(r.stdout).not.toContain('err1');
    expect(linesOf(r.stderr)).toContain('err1');
    expect(r.stderr).not.toContain('out1');
    expect(r.stderr).not.toMatch(/^executor: /m);
  });
});

describe('logs NAME -f whose reader closes the pipe', () => {
  it('exits 0 quietly (no stack on stderr)', async () => {
    const { ex, folder } = setup();
    await ex.addTask('loop', fixture('ticker.js'));
    expect((await ex.startTask('loop')).result).toBe('started');
    const follower = cli.spawn(folder, ['logs', 'loop', '-f', '-n', '0']);
    await follower.line((l) => l.startsWith('tick '));
    follower.child.stdout!.destroy(); // like `executor logs -f | head -1`
    const end = await exitOf(follower, 'logs -f with its stdout closed');
    expect(end.exitCode, end.stderr).toBe(0);
    expect(end.signal).toBeNull();
    expect(end.stderr).not.toMatch(/^\s+at /m);
    expect(end.stderr).not.toMatch(/EPIPE|Error/);
    expect((await ex.listTasks()).find((t) => t.name === 'loop')?.status).toBe('running'); // the task goes on
  });
});

describe('run NAME --wait --json, then Ctrl-C', () => {
  it('exits 0 saying it stopped waiting; the run goes on', async () => {
    const { ex, folder } = setup();
    await ex.addTask('sleeper', fixture('ticker.js'), { infiniteLoop: false });
    const waiter = cli.spawn(folder, ['run', 'sleeper', '--wait', '--json']);
    const run = await waitUntil(async () => (await ex.listRuns({ task: 'sleeper' })).find((r) => r.status === 'running'), { what: 'the run running' });
    await ticked(ex, 'sleeper', 2); // the CLI has long been waiting by now
    waiter.child.kill('SIGINT');
    const end = await exitOf(waiter, 'run --wait --json after SIGINT');
    expect(end.exitCode, end.stderr).toBe(0);
    expect(end.signal).toBeNull();
    expect(end.stderr).toMatch(new RegExp(`stopped waiting; run ${run.runId} goes on`));
    expect(end.stderr).not.toMatch(/^\s+at /m);
    expect(end.stdout).toBe(''); // no RunRecord: the run has not ended
    expect((await ex.getRun(run.runId)).status).toBe('running');
    expect(pidAlive(run.pid!)).toBe(true);
  });
});

describe('a working directory that is not there', () => {
  it('run NAME of a task whose wd was deleted after add: exit 1 (ERR_WD_NOT_FOUND), no run recorded', async () => {
    const { ex, folder, dir } = setup();
    const wd = path.join(dir, 'wd');
    mkdirSync(wd);
    await ex.addTask('job', fixture('streams.js'), { infiniteLoop: false, wd });
    rmSync(wd, { recursive: true });
    const r = await cli.run(folder, ['run', 'job']);
    expectError(r, 1, 'ERR_WD_NOT_FOUND', /wd/);
    expect(r.stderr).toContain(wd);
    expect(await ex.listRuns({ task: 'job' })).toEqual([]);
  });

  it('add x s.js --wd /nonexistent-dir: exit 2 (the value typed is bad), nothing added', async () => {
    const { ex, folder, dir } = setup();
    await ex.addTask('keep', fixture('streams.js'), { infiniteLoop: false }); // the folder exists
    const missing = path.join(dir, 'nonexistent-dir');
    const r = await cli.run(folder, ['add', 'x', fixture('streams.js'), '--wd', missing]);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const lines = linesOf(r.stderr);
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/^executor: ERR_\w+: /);
    expect(lines[0]).toContain(missing);
    expect((await ex.listTasks()).map((t) => t.name)).toEqual(['keep']);
  });
});

describe('supervise --stop-tasks', () => {
  it('SIGTERM stops every task and prints one `NAME: stopped (pid N)` line per task; exit 0', async () => {
    const { ex, folder } = setup();
    const pids = new Map<string, number>();
    for (const name of ['alpha', 'beta']) {
      await ex.addTask(name, fixture('ticker.js'), { env: { EVERY_MS: 1000 } });
      const started = await ex.startTask(name);
      expect(started.result).toBe('started');
      pids.set(name, started.pid!);
    }
    const c = cli.spawn(folder, ['supervise', '--sleep', '1', '--stop-tasks']);
    await c.line((l) => l.includes(`Supervising (pid: ${c.child.pid}`));
    c.child.kill('SIGTERM');
    const end = await exitOf(c, 'supervise --stop-tasks after SIGTERM');
    expect(end.exitCode, end.stderr).toBe(0);
    expect(end.signal).toBeNull();
    const stopped = linesOf(end.stdout).filter((l) => /^\S+: (stopped|not running|error)\b/.test(l));
    expect(stopped.sort()).toEqual([`alpha: stopped (pid ${pids.get('alpha')})`, `beta: stopped (pid ${pids.get('beta')})`]);
    expect(end.stderr).not.toMatch(/^executor: /m);
    for (const pid of pids.values()) expect(pidAlive(pid)).toBe(false);
    expect((await ex.listTasks()).map((t) => [t.name, t.status])).toEqual([['alpha', 'stopped'], ['beta', 'stopped']]);
  });
});

describe('second review', () => {
  it('flags that --file makes meaningless are usage errors (exit 2), and nothing is added or run', async () => {
    const { ex, folder, dir } = setup();
    const spec = path.join(dir, 'one.json');
    const jobs = path.join(dir, 'jobs.txt');
    writeFileSync(spec, JSON.stringify({ name: 'one', script: fixture('streams.js') }));
    writeFileSync(jobs, 'one\n');
    const [add, run] = await Promise.all([
      cli.run(folder, ['add', '--file', spec, '--period', '1 min']),
      cli.run(folder, ['run', '--file', jobs, '--wait']),
    ]);
    expectError(add, 2, 'ERR_USAGE', /--period/);
    expectError(run, 2, 'ERR_USAGE', /--wait/);
    expect((await ex.listTasks()).map((r) => r.name)).toEqual([]);
  });

  it('logs --err on a task without a separate stderr file fails with ERR_OUTPUT_NOT_FOUND (exit 1), as -f does', async () => {
    const { ex, folder } = setup();
    await ex.addTask('merged', fixture('streams.js'), { infiniteLoop: false });
    const [plain, follow] = await Promise.all([cli.run(folder, ['logs', 'merged', '--err']), cli.run(folder, ['logs', 'merged', '--err', '-f'])]);
    expectError(plain, 1, 'ERR_OUTPUT_NOT_FOUND', /stderr/);
    expectError(follow, 1, 'ERR_OUTPUT_NOT_FOUND', /stderr/);
  });

  it('start --json of a task whose script is missing still prints its error line on stderr (exit 1)', async () => {
    const { ex, folder, dir } = setup();
    const script = path.join(dir, 'gone.js');
    writeFileSync(script, '');
    await ex.addTask('ghost', script);
    rmSync(script);
    const r = await cli.run(folder, ['start', 'ghost', '--json']);
    expect(r.exitCode).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject([{ name: 'ghost', result: 'error', code: 'ERR_SCRIPT_NOT_FOUND' }]);
    expect(r.stderr).toMatch(/^executor: ghost: ERR_SCRIPT_NOT_FOUND: /);
  });
});

describe('progress on a terminal', () => {
  it('stop --all on a 0-column pseudo-terminal (a fresh pty) draws no spinner and ends, each task stopped', async () => {
    const { ex, folder } = setup();
    await ex.addTask('t1', fixture('ticker.js'));
    await ex.addTask('t2', fixture('ticker.js'));
    await ex.startAll();
    // `script`'s pty starts at 0×0; CI unset so that progress would be drawn if the width were known.
    const r = await runInTty(['stop', '--all'], { EXECUTOR_FOLDER: folder, CI: undefined, NO_COLOR: '1', ...clusterEnvOf(folder) });
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/t1: stopped \(pid \d+\)/);
    expect(r.stdout).toMatch(/t2: stopped \(pid \d+\)/);
    expect((await ex.listTasks()).map((row) => row.status)).toEqual(['stopped', 'stopped']);
  });
});
