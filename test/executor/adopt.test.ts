// Adopting a folder: runs started elsewhere are seen and stopped, exits are recorded with no executor alive,
// and a reused pid (same pid, other start time) is never signalled.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIdentity } from '../../src/process/identity.js';
import type { TaskRecord } from '../../src/index.js';
import { editStoredRecord, storedRecord } from '../helpers/executor.js';
import { ledger, superviseFixture, useFolders } from '../helpers/folder.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';

const kit = useFolders();
const wd = superviseFixture('.');

/** Starts a task from a separate Node process (built dist/) that exits at once; returns the task's pid. */
async function startFromChild(folder: string, name: string, env: Record<string, string>): Promise<number> {
  const driver = kit.driver(['add-start', folder, name, superviseFixture('exit-when.js'), JSON.stringify(env)]);
  const code = await driver.exited;
  expect(code, driver.stderr()).toBe(0);
  const result = driver.lines[0]!;
  expect(result).toMatchObject({ name, result: 'started' });
  kit.track(result.pid as number);
  return result.pid as number;
}

describe('adopting a folder', () => {
  it('a second Executor sees a running task and stops its whole tree', async () => {
    const scratch = kit.scratch();
    const pidFile = path.join(scratch, 'pids');
    const folder = kit.folder();
    const first = kit.open(folder);
    await first.addTask('tree', 'tree.js', { wd, env: { PID_FILE: pidFile } });
    const { pid } = await first.startTask('tree');
    const [child, grandchild] = (await waitUntil(() => { try { return readFileSync(pidFile, 'utf8'); } catch { return ''; } }, { what: 'the pid file' }))
      .trim().split(' ').map(Number) as [number, number];
    expect(pidAlive(child) && pidAlive(grandchild)).toBe(true);

    const second = kit.open(folder);
    expect(second.id).toBe(first.id);
    expect((await second.listTasks())[0]).toMatchObject({ name: 'tree', status: 'running', pid });
    expect((await second.listRunningTasks())[0]).toMatchObject({ name: 'tree', running: true });
    expect(await second.stopTask('tree')).toMatchObject({ result: 'stopped', pid });
    expect(pidAlive(pid!)).toBe(false);
    expect(pidAlive(child)).toBe(false);
    expect(pidAlive(grandchild)).toBe(false);
    expect((await second.listTasks())[0]).toMatchObject({ status: 'stopped', pid: null });
    expect((await first.listTasks())[0]).toMatchObject({ status: 'stopped', pid: null });
    expect(ledger(folder, 'tree')[0]).toMatchObject({ stopped: true });
    expect(ledger(folder, 'tree')[0]!.endedAt).not.toBeNull();
  });

  it('records an exit that happened while no executor was alive', async () => {
    const go = path.join(kit.scratch(), 'go');
    const folder = kit.folder();
    const pid = await startFromChild(folder, 'lonely', { GO_FILE: go, EXIT_CODE: '7' });
    // The starting process is gone; now the task exits by itself.
    expect(pidAlive(pid)).toBe(true);
    writeFileSync(go, '');
    await waitUntil(() => !pidAlive(pid), { what: 'the task to exit' });
    const ex = kit.open(folder);
    const [row] = await ex.listTasks();
    expect(row).toMatchObject({ name: 'lonely', status: 'failed', lastExitCode: 7, lastSignal: null, pid: null });
    const runs = ledger(folder, 'lonely');
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ trigger: 'manual', pid, exitCode: 7, signal: null, exitUnknown: false, stopped: false });
    expect(runs[0]!.endedAt).not.toBeNull();
  });

  it('tick() from a second executor closes the dead run (once)', async () => {
    const go = path.join(kit.scratch(), 'go');
    const folder = kit.folder();
    const pid = await startFromChild(folder, 'lonely', { GO_FILE: go, EXIT_CODE: '7' });
    writeFileSync(go, '');
    await waitUntil(() => !pidAlive(pid), { what: 'the task to exit' });
    const ex = kit.open(folder);
    const exits: unknown[] = [];
    ex.on('exit', (e) => exits.push(e));
    expect(ledger(folder, 'lonely')[0]).toMatchObject({ endedAt: null, exitCode: null });
    const report = await ex.tick();
    expect(report.closed).toEqual(['lonely']);
    expect(report.restarted).toEqual([]);
    expect(ledger(folder, 'lonely')[0]).toMatchObject({ exitCode: 7, signal: null });
    expect(exits).toEqual([expect.objectContaining({ name: 'lonely', exitCode: 7, stopped: false })]);
    expect((await ex.tick()).closed).toEqual([]);
    expect(exits).toHaveLength(1);
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'failed', lastExitCode: 7 });
  });

  it('never signals an unrelated live process that reuses a recorded pid, and does not show the task as running', async () => {
    const folder = kit.folder();
    const setup = kit.open(folder);
    await setup.addTask('ghost', 'loop.js', { wd, infiniteLoop: false });
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    const strangerPid = stranger.pid!;
    kit.track(strangerPid);
    const identity = readIdentity(strangerPid)!;
    const pristine = JSON.stringify(storedRecord(folder, 'ghost'));
    // Hand-edit the record: its run points at the stranger's pid, with a different start time.
    const fake = (): void => {
      const record = JSON.parse(pristine) as TaskRecord;
      record.state.status = 'running';
      record.state.run = {
        runId: '20200101-000000-000-abcdef', trigger: 'manual', pid: strangerPid, pidStartTime: identity.startTime - 1,
        bootId: identity.bootId, startedAt: new Date(Date.now() - 60_000).toISOString(), scheduledFor: null, stopRequested: false,
        outputFile: 'ghost.txt', errorFile: null, deadline: null, triggerTime: null, queuedAt: null, kill: null, resumeStatus: null, program: null,
      };
      editStoredRecord(folder, 'ghost', () => JSON.stringify(record, null, 2));
    };
    const ops: [string, (ex: ReturnType<typeof kit.open>) => Promise<unknown>][] = [
      ['stopTask', async (ex) => expect(await ex.stopTask('ghost')).toMatchObject({ result: 'not running', pid: null })],
      ['tick', (ex) => ex.tick()],
      ['listTasks', (ex) => ex.listTasks()],
      ['startTask', async (ex) => expect((await ex.startTask('ghost')).result).toBe('started')],
    ];
    for (const [what, op] of ops) {
      fake();
      const ex = kit.open(folder);
      await op(ex);
      expect(pidAlive(strangerPid), `${what} signalled the stranger`).toBe(true);
      const [row] = await ex.listTasks();
      if (what === 'startTask') {
        // A fresh run of the task was started; the stranger is not it.
        expect(row).toMatchObject({ status: 'running', lastExitCode: null });
        expect(row!.pid).not.toBe(strangerPid);
        await ex.stopTask('ghost');
      } else {
        expect(row).toMatchObject({ pid: null });
        expect(row!.status, what).not.toBe('running');
      }
      expect(pidAlive(strangerPid), `${what} signalled the stranger`).toBe(true);
    }
    stranger.kill('SIGKILL');
  });
});
