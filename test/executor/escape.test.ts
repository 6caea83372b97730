// Issue 12, items 2 and 4: no process of a run escapes a stop (shim killed, setsid double-fork, daemonize-then-exit,
// a group change), leftovers are stopped as a run closes unless keepOrphans, and a stranger is never signalled.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { editStoredRecord, nextEvent, snapshotFolder, useExecutors } from '../helpers/executor.js';
import { killMarked, markedPids } from '../helpers/marked.js';
import { T } from '../helpers/time.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/escape/', import.meta.url));
const kit = useExecutors();
const opened: Executor[] = [];
afterEach(() => { for (const ex of opened.splice(0)) killMarked(ex.id); });

/** Starts `name` from another process (the CLI), so no process of this test watches its shim. */
async function startElsewhere(ex: Executor, name: string): Promise<void> {
  const started = await runCli(['start', name], { folder: ex.folder });
  expect(started.exitCode).toBe(0);
}

function setup(): { ex: Executor; dir: string; pidsFile: string } {
  const { ex, dir } = kit.make({ killTimeout: 1_000 });
  opened.push(ex);
  return { ex, dir, pidsFile: path.join(dir, 'pids') };
}

const pidsIn = (file: string): number[] => {
  try { return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number); } catch { return []; }
};

async function startDaemon(ex: Executor, pidsFile: string, mode: string, count: number, options: Record<string, unknown> = {}): Promise<number[]> {
  await ex.addTask('d', path.join(FIXTURES, 'daemon.mjs'), { args: [mode], env: { PIDS_FILE: pidsFile }, ...options });
  await ex.startTask('d');
  return waitUntil(() => { const pids = pidsIn(pidsFile); return pids.length >= count ? pids : null; }, { what: `${count} pids of ${mode}` });
}

describe('stop ends every process of a run', () => {
  it('kill -9 of the pid ls shows, for a tree of 8 processes, then stop: 0 survive', async () => {
    const { ex } = setup();
    await ex.addTask('tree', path.join(FIXTURES, 'tree8.sh'));
    await startElsewhere(ex, 'tree');
    await waitUntil(() => markedPids(ex.id).length === 9, { what: 'the shim and its 8 processes' });
    const [row] = await ex.listTasks();
    process.kill(row!.pid!, 'SIGKILL');
    await waitUntil(() => !pidAlive(row!.pid!), { what: 'the shim to die' });
    expect(markedPids(ex.id)).toHaveLength(8);
    const result = await ex.stopTask('tree');
    expect(result.result).toBe('stopped');
    expect(markedPids(ex.id)).toEqual([]);
  });

  it('the supervisor warns ERR_ORPHANED_RUN, stops the orphans, then restarts one copy', async () => {
    const { ex } = setup();
    await ex.addTask('tree', path.join(FIXTURES, 'tree8.sh'));
    await startElsewhere(ex, 'tree');
    await waitUntil(() => markedPids(ex.id).length === 9, { what: 'the tree' });
    const [row] = await ex.listTasks();
    const first = (await ex.listRuns({ task: 'tree' }))[0]!.runId;
    const orphaned = nextEvent(ex, 'warning', (w) => w.code === 'ERR_ORPHANED_RUN');
    const supervisor = ex.keepRestarting({ sleep: 0.05 });
    try {
      process.kill(row!.pid!, 'SIGKILL');
      expect((await orphaned).name).toBe('tree');
      const second = await waitUntil(async () => {
        const [r] = await ex.listTasks();
        const [latest] = await ex.listRuns({ task: 'tree' });
        return r!.status === 'running' && latest!.runId !== first ? latest!.runId : null;
      }, { what: 'a restart' });
      await waitUntil(() => markedPids(ex.id).length === 9, { what: 'the new tree' });
      expect(markedPids(ex.id, first)).toEqual([]);
      expect(markedPids(ex.id, second!)).toHaveLength(9);
    } finally {
      await supervisor.stop();
    }
  });

  it('stops a setsid double-forked daemon that left the group and the session', async () => {
    const { ex, pidsFile } = setup();
    const pids = await startDaemon(ex, pidsFile, 'double-fork', 3);
    const daemon = pids[2]!;
    await waitUntil(() => !pidAlive(pids[1]!), { what: 'the middle process to exit' });
    expect(pidAlive(daemon)).toBe(true);
    await ex.stopTask('d');
    expect(pidAlive(daemon)).toBe(false);
    expect(markedPids(ex.id)).toEqual([]);
  });

  it('stops a child that moved to its own process group', async () => {
    const { ex, pidsFile } = setup();
    const pids = await startDaemon(ex, pidsFile, 'setpgid', 2);
    await waitUntil(() => { try { return readFileSync(`/proc/${pids[1]}/stat`, 'utf8').includes('(sleep)'); } catch { return false; } }, { what: 'the child to exec sleep in its own group' });
    await ex.stopTask('d');
    expect(pids.filter(pidAlive)).toEqual([]);
    expect(markedPids(ex.id)).toEqual([]);
  });

  it('stops what a script left running when it daemonized and exited, as the run closes', async () => {
    const { ex, pidsFile } = setup();
    const pids = await startDaemon(ex, pidsFile, 'exit', 2, { infiniteLoop: false });
    await waitUntil(async () => (await ex.listTasks())[0]!.status === 'succeeded', { what: 'the run to close' });
    // The reaper checks the runs that ended in the same 100 ms in one /proc pass, then stops what they left.
    await waitUntil(() => !pidAlive(pids[1]!), { timeoutMs: 5_000, what: 'the daemon to be stopped' });
    expect(markedPids(ex.id)).toEqual([]);
  });

  it('with keepOrphans, the daemon is kept when the run closes, and stopTask still stops it', async () => {
    const { ex, pidsFile } = setup();
    const pids = await startDaemon(ex, pidsFile, 'exit', 2, { infiniteLoop: false, keepOrphans: true });
    await waitUntil(async () => (await ex.listTasks())[0]!.status === 'succeeded', { what: 'the run to close' });
    expect(pidAlive(pids[1]!)).toBe(true);
    await ex.stopTask('d');
    expect(pidAlive(pids[1]!)).toBe(false);
  });

  it('refuses a keepOrphans that is not a boolean, writing nothing', async () => {
    const { ex } = setup();
    const before = snapshotFolder(ex.folder);
    await expect(ex.addTask('d', path.join(FIXTURES, 'daemon.mjs'), { keepOrphans: 'yes' as unknown as boolean })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('Expected `keepOrphans` to be a boolean, got "yes"') });
    expect(snapshotFolder(ex.folder)).toEqual(before);
  });

  it('never signals a stranger whose pid was planted in the record', async () => {
    const { ex, dir } = setup();
    const stranger = spawn('sleep', ['300'], { stdio: 'ignore' });
    kit.track(stranger.pid!);
    await ex.addTask('tree', path.join(FIXTURES, 'tree8.sh'));
    await ex.startTask('tree');
    await waitUntil(() => markedPids(ex.id).length === 9, { what: 'the tree' });
    await ex.stopTask('tree');
    editStoredRecord(path.join(dir, 'exec'), 'tree', (text) => {
      const record = JSON.parse(text);
      // A run that names the stranger's pid (it started later than the recorded start time would say: another process).
      record.state.status = 'running';
      record.state.run = { ...(record.state.run ?? {}), runId: 'r-planted', pid: stranger.pid, pidStartTime: 1, bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), startedAt: new Date().toISOString(), stopRequested: false, outputFile: 'tree.txt', errorFile: null, deadline: null, triggerTime: null, queuedAt: null, kill: null, resumeStatus: null, program: null, trigger: 'manual', scheduledFor: null };
      return JSON.stringify(record);
    });
    await ex.stopTask('tree');
    expect(pidAlive(stranger.pid!)).toBe(true);
    expect(stranger.exitCode).toBeNull();
    stranger.kill('SIGKILL');
  }, T(30_000));
});
