// Several processes on one folder: concurrent addTask loses nothing, concurrent startTask starts one process,
// one keepRestarting per folder (typed refusal naming the holder), and takeover of a killed holder's lease.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LeaseHeldError, type Executor, type SupervisorHandle } from '../../src/index.js';
import { storedRecords } from '../helpers/executor.js';
import { eventOf, ledger, liveRunIds, superviseFixture, supervising, useFolders } from '../helpers/folder.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useFolders();
const wd = superviseFixture('.');

async function expectRefused(handle: SupervisorHandle, holderPid: number): Promise<void> {
  const error = await handle.done.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(LeaseHeldError);
  expect((error as LeaseHeldError).code).toBe('ERR_LEASE_HELD');
  expect((error as LeaseHeldError).holderPid).toBe(holderPid);
  expect((error as LeaseHeldError).message).toContain(`pid ${holderPid}`);
}

describe('several processes on one folder', () => {
  it('four processes adding distinct tasks at once lose nothing', async () => {
    const folder = kit.folder();
    kit.open(folder); // create the folder (and its id) first, as a user would
    const script = superviseFixture('loop.js');
    const drivers = [0, 1, 2, 3].map((i) => kit.driver(['add', folder, `p${i}`, '10', script]));
    const codes = await Promise.all(drivers.map((d) => d.exited));
    drivers.forEach((d, i) => expect(codes[i], d.stderr()).toBe(0));
    const names = (await kit.open(folder).listTasks()).map((r) => r.name).sort();
    const expected = [0, 1, 2, 3].flatMap((p) => Array.from({ length: 10 }, (_, i) => `p${p}-${i}`)).sort();
    expect(names).toEqual(expected);
    const records = storedRecords(folder); // the folder's tasks/*.json, or the cluster's rows
    expect(records.size).toBe(40);
    for (const [name, record] of records) expect((record as { task: { name: string } }).task.name).toBe(name);
  });

  it('two concurrent startTask calls of one task (two Executors, one process) start one process', async () => {
    const folder = kit.folder();
    const a = kit.open(folder);
    const b = kit.open(folder);
    await a.addTask('solo', 'loop.js', { wd });
    const results = await Promise.all([a.startTask('solo'), b.startTask('solo')]);
    expect(results.map((r) => r.result).sort()).toEqual(['already running', 'started']);
    expect(results[0]!.pid).toBe(results[1]!.pid);
    expect(ledger(folder, 'solo')).toHaveLength(1);
    expect(liveRunIds(folder, 'solo')).toEqual(new Set([ledger(folder, 'solo')[0]!.runId]));
  });

  it('two concurrent startTask calls of one task from two processes start one process', async () => {
    const folder = kit.folder();
    await kit.open(folder).addTask('solo', 'loop.js', { wd });
    const drivers = [kit.driver(['start', folder, 'solo']), kit.driver(['start', folder, 'solo'])];
    const codes = await Promise.all(drivers.map((d) => d.exited));
    drivers.forEach((d, i) => expect(codes[i], d.stderr()).toBe(0));
    const results = drivers.map((d) => d.lines[0]!);
    expect(results.map((r) => r.result).sort()).toEqual(['already running', 'started']);
    const runs = ledger(folder, 'solo');
    expect(runs).toHaveLength(1);
    expect(pidAlive(runs[0]!.pid)).toBe(true);
    expect(liveRunIds(folder, 'solo')).toEqual(new Set([runs[0]!.runId]));
    expect((await kit.open(folder).listTasks())[0]).toMatchObject({ status: 'running', pid: runs[0]!.pid });
  });

  it('refuses a second keepRestarting on the folder: same Executor, another Executor, another process', async () => {
    const folder = kit.folder();
    const ex = kit.open(folder);
    const first = kit.supervise(ex, { sleep: 1 });
    await supervising(ex, first);
    await expectRefused(kit.supervise(ex, { sleep: 1 }), process.pid);
    const other: Executor = kit.open(folder);
    await expectRefused(kit.supervise(other, { sleep: 1 }), process.pid);
    const driver = kit.driver(['supervise', folder]);
    const refusal = await driver.line((l) => 'refused' in l);
    expect(refusal).toMatchObject({ refused: 'LeaseHeldError', code: 'ERR_LEASE_HELD', holderPid: process.pid });
    expect(await driver.exited).toBe(0);
    // The first supervisor still works.
    await ex.addTask('crashy', 'crash.js', { wd, env: { CRASH_AFTER_MS: 200 } });
    const restarted = eventOf(ex, 'restart', (e) => e.name === 'crashy');
    await ex.startTask('crashy');
    await restarted;
    // After it stops, another can take the lease.
    await first.stop();
    await first.done;
    const next = kit.supervise(other, { sleep: 1 });
    await supervising(other, next);
  });

  it('takes over the lease of a kill -9ed supervisor once it is stale, and then restarts tasks', async () => {
    const folder = kit.folder();
    const driver = kit.driver(['supervise', folder]);
    const holder = (await driver.line((l) => 'supervising' in l)).supervising as number;
    const ex = kit.open(folder);
    await expectRefused(kit.supervise(ex, { sleep: 1 }), holder);
    driver.child.kill('SIGKILL');
    await driver.exited;
    // Retry until the dead holder's lease is stale (a few seconds).
    const handle = await waitUntil(async () => {
      const h = kit.supervise(ex, { sleep: 1 });
      try {
        await supervising(ex, h);
        return h;
      } catch (error) {
        expect(error).toBeInstanceOf(LeaseHeldError);
        return null;
      }
    }, { timeoutMs: 25_000, intervalMs: 250, what: 'the lease takeover' });
    await ex.addTask('crashy', 'crash.js', { wd, env: { CRASH_AFTER_MS: 200 } });
    const restarted = eventOf(ex, 'restart', (e) => e.name === 'crashy');
    await ex.startTask('crashy');
    await restarted;
    const holderFile = JSON.parse(readFileSync(path.join(folder, 'supervisor.json'), 'utf8')) as { pid: number };
    expect(holderFile.pid).toBe(process.pid);
    await handle.stop();
    await expect(handle.done).resolves.toBeUndefined();
  }, T(45_000));
});
