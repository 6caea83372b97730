// Issue 12 item 12: the SDK says when nothing supervises the folder. getSupervisor() and TaskRow.supervisor name the
// live lease holder (another process, this one, or null once it died), and starting or enabling a scheduled task, or
// a crashed loop that is due for a restart, emits an ERR_NO_SUPERVISOR warning when no supervisor holds the lease.
// Uses the built package (dist/) for the supervisor in another process: `npm run build` first.
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Executor, WarningEvent } from '../../src/index.js';
import { collect, superviseFixture, supervising, useFolders } from '../helpers/folder.js';
import { fixture } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';

const kit = useFolders();
const LOOP = superviseFixture('loop.js');
const CRASH = fixture('crash.js');

const noSupervisor = (warnings: WarningEvent[], name: string): WarningEvent[] => warnings.filter((w) => w.code === 'ERR_NO_SUPERVISOR' && w.name === name);

/** Starts `driver.mjs supervise` on `folder` and resolves with its pid once it holds the lease. */
async function superviseElsewhere(folder: string): Promise<number> {
  const driver = kit.driver(['supervise', folder]);
  const line = await driver.line((l) => typeof l.supervising === 'number', 15_000);
  return line.supervising as number;
}

/** A crashing loop started by a first Executor, then looked at by `ex` (which never saw it run). */
async function crashedElsewhere(folder: string, ex: Executor): Promise<void> {
  const starter = kit.open(folder);
  await starter.addTask('crashy', CRASH, { infiniteLoop: true });
  await starter.startTask('crashy');
  await waitUntil(async () => (await ex.listTasks()).find((r) => r.name === 'crashy' && r.status !== 'running'), { what: 'the crash recorded' });
}

describe('getSupervisor and TaskRow.supervisor', () => {
  it('are null with no supervisor, name the supervising process (pid, hostname, since) while one holds the lease, and null again once it is killed', async () => {
    const folder = kit.folder();
    const ex = kit.open(folder);
    await ex.addTask('p', LOOP, { period: '1 hour' });
    expect(await ex.getSupervisor()).toBeNull();
    expect((await ex.listTasks())[0]?.supervisor).toBeNull();

    const before = Date.now();
    const pid = await superviseElsewhere(folder);
    const info = await ex.getSupervisor();
    expect(info).toEqual({ pid, hostname: hostname(), since: expect.any(String) });
    expect(Date.parse(info!.since)).toBeGreaterThanOrEqual(before - 1_000);
    expect(new Date(info!.since).toISOString()).toBe(info!.since);
    expect((await ex.listTasks())[0]?.supervisor).toEqual(info);

    process.kill(pid, 'SIGKILL'); // leaves its supervisor.json behind: the pid check must see it is gone
    await waitUntil(() => !pidAlive(pid), { what: 'the supervisor gone' });
    expect(await ex.getSupervisor()).toBeNull();
    expect((await ex.listTasks())[0]?.supervisor).toBeNull();
  });

  it("this process's own keepRestarting counts, and a stopped one no longer does", async () => {
    const folder = kit.folder();
    const ex = kit.open(folder);
    const handle = kit.supervise(ex, { sleep: 1 });
    await supervising(ex, handle, 15_000);
    expect(await ex.getSupervisor()).toMatchObject({ pid: process.pid });
    expect(await kit.open(folder).getSupervisor()).toMatchObject({ pid: process.pid });
    await handle.stop();
    expect(await ex.getSupervisor()).toBeNull();
  });
});

describe('ERR_NO_SUPERVISOR warnings', () => {
  it('startTask, startAll and enableTask of a periodic or cron task warn (and log) with no supervisor; a script task does not', async () => {
    const folder = kit.folder();
    const ex = kit.open(folder);
    await ex.addTask('p', LOOP, { period: '1 hour' });
    await ex.addTask('c', LOOP, { cron: '*/5 * * * *' });
    await ex.addTask('s', LOOP);
    const warnings = collect(ex, 'warning');
    expect((await ex.startTask('p')).result).toBe('scheduled');
    expect(noSupervisor(warnings, 'p')).toHaveLength(1);
    expect(noSupervisor(warnings, 'p')[0]?.message).toMatch(/no supervisor is running for this folder: run 'executor supervise' or ex\.keepRestarting\(\)/);
    await ex.stopTask('p');
    await ex.startAll();
    expect(noSupervisor(warnings, 'p')).toHaveLength(2);
    expect(noSupervisor(warnings, 'c')).toHaveLength(1);
    expect(noSupervisor(warnings, 's')).toHaveLength(0);
    await ex.disableTask('c');
    await ex.enableTask('c');
    expect(noSupervisor(warnings, 'c')).toHaveLength(2);
    expect((await ex.readLog()).filter((l) => l.includes('ERR_NO_SUPERVISOR') || l.includes('no supervisor is running'))).not.toHaveLength(0);
  });

  it('no warning while a supervisor in another process holds the lease', async () => {
    const folder = kit.folder();
    const ex = kit.open(folder);
    await ex.addTask('p', LOOP, { period: '1 hour' });
    await superviseElsewhere(folder);
    const warnings = collect(ex, 'warning');
    expect((await ex.startTask('p')).result).toBe('scheduled');
    await ex.disableTask('p');
    await ex.enableTask('p');
    expect(warnings.filter((w) => w.code === 'ERR_NO_SUPERVISOR')).toEqual([]);
  });

  it('a crashed loop this process started warns once that nothing will restart it', async () => {
    const folder = kit.folder();
    const ex = kit.open(folder);
    await ex.addTask('crashy', CRASH, { infiniteLoop: true });
    const warnings = collect(ex, 'warning');
    await ex.startTask('crashy');
    await waitUntil(() => noSupervisor(warnings, 'crashy').length > 0, { what: 'the ERR_NO_SUPERVISOR warning' });
    await ex.listTasks();
    await ex.listTasks();
    await ex.listRunningTasks();
    expect(noSupervisor(warnings, 'crashy')).toHaveLength(1);
    expect(noSupervisor(warnings, 'crashy')[0]?.message).toMatch(/restart/);
  });

  it('a crash another process started is warned about once by a look (listTasks), not on every call', async () => {
    const folder = kit.folder();
    const ex = kit.open(folder);
    const warnings = collect(ex, 'warning');
    await crashedElsewhere(folder, ex);
    await ex.listTasks();
    await ex.listTasks();
    expect(noSupervisor(warnings, 'crashy')).toHaveLength(1);
  });
});
