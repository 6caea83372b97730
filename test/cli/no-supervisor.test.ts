// Issue 12 item 12 through the built bin: `start` of a scheduled task says when no supervisor will fire it, `ls`
// shows a due NEXT RUN as `due, no supervisor` instead of `(due)`, and `ls --json` rows carry `supervisor`.
import { describe, expect, it } from 'vitest';
import { paintFor } from '../../src/cli/color.js';
import { renderTaskTable } from '../../src/cli/table.js';
import type { TaskRow } from '../../src/task/rows.js';
import { useCli, type CliChild } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';
import { TASKS_DIR, jsonOf, linesOf } from '../fixtures/cli/tasks/kit.js';

const cli = useCli();
const HINT = "no supervisor is running for this folder: run 'executor supervise' or ex.keepRestarting()";

/** Starts `executor supervise --sleep 1` and resolves once it holds the lease. */
async function supervise(folder: string): Promise<CliChild> {
  const c = cli.spawn(folder, ['supervise', '--sleep', '1']);
  await c.line((l) => l.includes(`Supervising (pid: ${c.child.pid}`), 15_000);
  return c;
}

describe('start of a scheduled task', () => {
  it('prints the hint when no supervisor runs for the folder, and plain `scheduled` while one does', async () => {
    const { folder } = cli.folder();
    const ex = cli.kit.open(folder);
    await ex.addTask('p', 'idle.js', { wd: TASKS_DIR, period: '1 hour' });
    await ex.addTask('c', 'idle.js', { wd: TASKS_DIR, cron: '0 3 * * *' });
    const alone = await cli.run(folder, ['start', 'p', 'c']);
    expect(alone.exitCode).toBe(0);
    expect(linesOf(alone).sort()).toEqual([`c: scheduled (${HINT})`, `p: scheduled (${HINT})`]);

    await cli.run(folder, ['stop', 'p']);
    const sup = await supervise(folder);
    const watched = await cli.run(folder, ['start', 'p']);
    expect(linesOf(watched)).toEqual(['p: scheduled']);
    sup.child.kill('SIGTERM');
    await sup.exited;
  });

  it('--json keeps the result `scheduled`', async () => {
    const { folder } = cli.folder();
    const ex = cli.kit.open(folder);
    await ex.addTask('p', 'idle.js', { wd: TASKS_DIR, period: '1 hour' });
    const started = await cli.run(folder, ['start', 'p', '--json']);
    expect(jsonOf<{ result: string }[]>(started)).toMatchObject([{ name: 'p', result: 'scheduled' }]);
  });
});

describe('ls without a supervisor', () => {
  it('shows a due NEXT RUN as `due, no supervisor`, and --json rows carry supervisor: null', async () => {
    const { folder } = cli.folder();
    const ex = cli.kit.open(folder);
    await ex.addTask('p', 'idle.js', { wd: TASKS_DIR, period: '1 sec' });
    await ex.startTask('p');
    // Nobody fires it: its next slot passes and stays due.
    await waitUntil(async () => {
      const next = (await ex.listTasks())[0]?.nextRun;
      return next !== null && next !== undefined && Date.parse(next) < Date.now() - 50;
    }, { timeoutMs: 5_000, what: 'the next slot due' });
    const ls = await cli.run(folder, ['ls']);
    const row = linesOf(ls).find((l) => l.startsWith('p '));
    expect(row).toContain('due, no supervisor');
    expect(row).not.toContain('(due)');
    const rows = jsonOf<TaskRow[]>(await cli.run(folder, ['ls', '--json']));
    expect(rows[0]?.supervisor).toBeNull();
  });

  it('ls --json rows name the supervisor while one holds the lease', async () => {
    const { folder } = cli.folder();
    const ex = cli.kit.open(folder);
    await ex.addTask('p', 'idle.js', { wd: TASKS_DIR, period: '1 hour' });
    const sup = await supervise(folder);
    const rows = jsonOf<TaskRow[]>(await cli.run(folder, ['ls', '--json']));
    expect(rows[0]?.supervisor).toMatchObject({ pid: sup.child.pid, hostname: expect.any(String), since: expect.any(String) });
    sup.child.kill('SIGTERM');
    await sup.exited;
  });

  it('the table keeps `(due)` when a supervisor holds the lease (it will run the task)', () => {
    const now = Date.now();
    const row = { name: 'p', status: 'scheduled', nextRun: new Date(now - 5_000).toISOString(), enabled: true, lastKill: null, lastExitCode: null, lastSignal: null } as Partial<TaskRow>;
    const supervised = renderTaskTable([{ ...row, supervisor: { pid: 1, hostname: 'h', since: new Date(now).toISOString() } } as TaskRow], { now, paint: paintFor(false) });
    const alone = renderTaskTable([{ ...row, supervisor: null } as TaskRow], { now, paint: paintFor(false) });
    expect(supervised).toContain('(due)');
    expect(alone).toContain('(due, no supervisor)');
  });
});
