// `executor supervise` as a subprocess (the built bin): restarts crashed tasks printing the executor log, stops on
// SIGTERM/SIGINT leaving the tasks running (or stopping them with --stop-tasks) and the lease free; lease held; bad --sleep.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { useCli, type CliChild, type CliResult } from '../helpers/cli.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const cli = useCli();

const FIXTURES = fileURLToPath(new URL('../fixtures/cli/supervise/', import.meta.url));
/** Prints `marker <pid>` and exits 1 shortly after. */
const CRASH = `${FIXTURES}crash.js`;
/** Prints `hold <pid>` and runs until killed. */
const HOLD = `${FIXTURES}hold.js`;
/** How long a signalled supervise may take to exit before the test fails (no timing is asserted). */
const EXIT_DEADLINE_MS = 15_000;

/** Resolves with the CLI's result once it exits, or fails after the deadline. */
async function exitOf(c: CliChild): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`supervise did not exit within ${EXIT_DEADLINE_MS} ms (stdout: ${c.stdout()}; stderr: ${c.stderr()})`)), T(EXIT_DEADLINE_MS));
  });
  try {
    return await Promise.race([c.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts `executor supervise --sleep 1 ...extra` and resolves once it holds the lease (its `Supervising` lines). */
async function supervise(folder: string, extra: string[] = []): Promise<CliChild> {
  const c = cli.spawn(folder, ['supervise', '--sleep', '1', ...extra]);
  await waitUntil(() => c.stderr().includes(`Supervising ${folder} `), { timeoutMs: EXIT_DEADLINE_MS, what: 'the Supervising line on stderr' });
  // The executor's own `Supervising (pid: N, …)` log line is printed once the lease is held.
  await c.line((l) => l.includes(`Supervising (pid: ${c.child.pid}`));
  return c;
}

/** A folder with a started long-running task `hold`; resolves with the SDK Executor and the task's pid. */
async function withHold(): Promise<{ folder: string; ex: Executor; pid: number }> {
  const { folder } = cli.folder();
  const ex = cli.kit.open(folder);
  await ex.addTask('hold', HOLD);
  const started = await ex.startTask('hold');
  expect(started.result).toBe('started');
  return { folder, ex, pid: started.pid! };
}

describe('executor supervise', () => {
  it('restarts a crashing loop task and prints the executor log lines on stdout', async () => {
    const { folder } = cli.folder();
    const ex = cli.kit.open(folder);
    await ex.addTask('crash', CRASH);
    await ex.startTask('crash');
    const c = await supervise(folder);
    await c.line((l) => l.includes('Restarting crash'));
    const row = await waitUntil(async () => (await ex.listTasks()).find((r) => r.name === 'crash' && r.restarts >= 1), { what: 'a restart counted' });
    expect(row.restarts).toBeGreaterThanOrEqual(1);
    await waitUntil(async () => (await ex.listRuns()).filter((r) => r.task === 'crash').length >= 2, { what: 'a second run' });
    expect(c.lines().some((l) => /Restart/.test(l))).toBe(true);
    await c.line((l) => l.includes('Exited crash')); // a run the supervisor restarted crashes again
    c.child.kill('SIGTERM');
    expect((await exitOf(c)).exitCode).toBe(0);
  });

  it('SIGTERM: exits 0 saying it stopped, leaves the task running and frees the lease for the next supervise', async () => {
    const { folder, ex, pid } = await withHold();
    const c = await supervise(folder);
    c.child.kill('SIGTERM');
    const result = await exitOf(c);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/SIGTERM: stopping the supervisor; tasks keep running/);
    expect(result.stdout).toMatch(/Supervisor stopped/);
    expect(pidAlive(pid)).toBe(true);
    expect((await ex.listTasks()).find((r) => r.name === 'hold')).toMatchObject({ status: 'running', pid });
    // The lease was given up: another supervise takes it, and stops on SIGINT.
    const next = await supervise(folder);
    next.child.kill('SIGINT');
    const again = await exitOf(next);
    expect(again.exitCode).toBe(0);
    expect(again.stderr).toMatch(/SIGINT: stopping the supervisor/);
    expect(pidAlive(pid)).toBe(true);
    expect((await ex.listTasks()).find((r) => r.name === 'hold')).toMatchObject({ status: 'running', pid });
  });

  it('--stop-tasks + SIGINT: exits 0 and the task is stopped', async () => {
    const { folder, ex, pid } = await withHold();
    const c = await supervise(folder, ['--stop-tasks']);
    c.child.kill('SIGINT');
    const result = await exitOf(c);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/SIGINT: stopping the supervisor and every task/);
    expect(result.stdout).toContain(`hold: stopped (pid ${pid})`);
    await waitUntil(() => !pidAlive(pid), { what: 'the task process gone' });
    expect((await ex.listTasks()).find((r) => r.name === 'hold')).toMatchObject({ status: 'stopped', pid: null });
  });

  it('a second supervise on the same folder exits 1 with ERR_LEASE_HELD, the first going on', async () => {
    const { folder, pid } = await withHold();
    const first = await supervise(folder);
    const second = await cli.run(folder, ['supervise', '--sleep', '1']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/^executor: ERR_LEASE_HELD: /m);
    expect(first.child.exitCode).toBeNull();
    first.child.kill('SIGTERM');
    expect((await exitOf(first)).exitCode).toBe(0);
    expect(pidAlive(pid)).toBe(true);
  });

  it('creates a missing folder and supervises it', async () => {
    const { folder } = cli.folder();
    expect(existsSync(folder)).toBe(false);
    const c = await supervise(folder);
    expect(existsSync(folder)).toBe(true);
    c.child.kill('SIGTERM');
    expect((await exitOf(c)).exitCode).toBe(0);
    expect(await cli.kit.open(folder).listTasks()).toEqual([]);
  });

  it.each([['0'], ['abc'], ['-1']])('--sleep %s is a usage error: exit 2, nothing created', async (sleep) => {
    const { folder } = cli.folder();
    const result = await cli.run(folder, ['supervise', '--sleep', sleep]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^executor: ERR_USAGE: .*--sleep/m);
    expect(existsSync(folder)).toBe(false);
  });
});
