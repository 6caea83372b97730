// Issue 13: stopAll stops every task from shared looks at /proc (one walk per round for all trees, not one per task),
// signalling all trees at once and waiting for all together, with every issue-12 guarantee kept.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { stopLooks } from '../../src/process/stop.js';
import { editStoredRecord, useExecutors } from '../helpers/executor.js';
import { killMarked, markedPids } from '../helpers/marked.js';
import { T } from '../helpers/time.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';

const SH_CHILD = fileURLToPath(new URL('../fixtures/run/sh-child.sh', import.meta.url));
const DAEMON = fileURLToPath(new URL('../fixtures/escape/daemon.mjs', import.meta.url));
const kit = useExecutors();
const opened: Executor[] = [];
afterEach(() => { for (const ex of opened.splice(0)) killMarked(ex.id); });

/** Looks at /proc a batch of stops may take: the first look, the look that signals, a few checks while they go. */
const LOOKS_PER_BATCH = 12;

function setup(): { ex: Executor; dir: string } {
  const made = kit.make({ killTimeout: 2_000 });
  opened.push(made.ex);
  return made;
}

const pidsIn = (file: string): number[] => {
  try { return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number); } catch { return []; }
};

/** Adds and starts `count` tasks, each `sh` with a `sleep` child; resolves with the children's pids once all are up. */
async function startShTasks(ex: Executor, dir: string, count: number): Promise<number[]> {
  const pidsFile = path.join(dir, 'children');
  await Promise.all(Array.from({ length: count }, (_, i) => ex.addTask(`sh${String(i).padStart(2, '0')}`, SH_CHILD, { env: { PIDS_FILE: pidsFile } })));
  const rows = await ex.startAll();
  expect(rows.filter((r) => r.result !== 'started')).toEqual([]);
  return waitUntil(() => { const pids = pidsIn(pidsFile); return pids.length >= count ? pids : null; }, { timeoutMs: 30_000, what: `${count} children` });
}

describe('stopAll', () => {
  it('stops 30 sh → child tasks, a setsid double-forked daemon and a kept orphan from shared looks, leaving 0 marked processes', async () => {
    const { ex, dir } = setup();
    const children = await startShTasks(ex, dir, 30);
    const daemonPids = path.join(dir, 'daemon');
    await ex.addTask('zd', DAEMON, { args: ['double-fork'], env: { PIDS_FILE: daemonPids } });
    await ex.startTask('zd');
    const [, middle, daemon] = await waitUntil(() => { const p = pidsIn(daemonPids); return p.length >= 3 ? p : null; }, { what: 'the double-forked daemon' });
    await waitUntil(() => !pidAlive(middle!), { what: 'the middle process to exit' });
    const keptPids = path.join(dir, 'kept');
    await ex.addTask('zk', DAEMON, { args: ['exit'], env: { PIDS_FILE: keptPids }, infiniteLoop: false, keepOrphans: true });
    await ex.startTask('zk');
    await waitUntil(async () => (await ex.listTasks()).find((r) => r.name === 'zk')!.status === 'succeeded', { what: 'the keepOrphans run to close' });
    const kept = pidsIn(keptPids)[1]!;
    expect(pidAlive(kept)).toBe(true);
    expect(pidAlive(daemon!)).toBe(true);
    const before = stopLooks();
    const rows = await ex.stopAll();
    const looks = stopLooks() - before;
    expect(rows.filter((r) => r.result !== 'stopped' && r.name !== 'zk')).toEqual([]);
    expect(markedPids(ex.id)).toEqual([]);
    expect([...children, daemon!, kept].filter(pidAlive)).toEqual([]);
    // One stop per task would look at /proc at least twice per task (the old code: 64 looks or more).
    expect(looks).toBeLessThanOrEqual(LOOKS_PER_BATCH);
    const table = await ex.listTasks();
    expect(table.filter((r) => r.status === 'running')).toEqual([]);
    expect(table.filter((r) => r.name.startsWith('sh')).every((r) => r.status === 'stopped')).toBe(true);
  }, T(60_000));

  it('never signals a stranger whose pid was planted in one record, and stops the others', async () => {
    const { ex, dir } = setup();
    const stranger = spawn('sleep', ['300'], { stdio: 'ignore' });
    kit.track(stranger.pid!);
    const children = await startShTasks(ex, dir, 10);
    await ex.addTask('planted', SH_CHILD, { env: { PIDS_FILE: path.join(dir, 'planted') } });
    editStoredRecord(path.join(dir, 'exec'), 'planted', (text) => {
      const record = JSON.parse(text);
      // A run that names the stranger's pid (with a start time that says it is another process).
      record.state.status = 'running';
      record.state.run = {
        runId: 'r-planted', pid: stranger.pid, pidStartTime: 1, bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
        startedAt: new Date().toISOString(), stopRequested: false, outputFile: 'planted.txt', errorFile: null, deadline: null, triggerTime: null,
        queuedAt: null, kill: null, resumeStatus: null, program: null, trigger: 'manual', scheduledFor: null,
      };
      return JSON.stringify(record);
    });
    const rows = await ex.stopAll();
    expect(rows.find((r) => r.name === 'planted')).toMatchObject({ result: 'not running', pid: null });
    expect(rows.filter((r) => r.name !== 'planted').every((r) => r.result === 'stopped')).toBe(true);
    expect(pidAlive(stranger.pid!)).toBe(true);
    expect(stranger.exitCode).toBeNull();
    expect(stranger.signalCode).toBeNull();
    expect(children.filter(pidAlive)).toEqual([]);
    expect(markedPids(ex.id)).toEqual([]);
    stranger.kill('SIGKILL');
  }, T(60_000));

  it('stopTask of one task alone still stops its tree in a few looks', async () => {
    const { ex, dir } = setup();
    const [child] = await startShTasks(ex, dir, 1);
    const before = stopLooks();
    const started = performance.now();
    expect(await ex.stopTask('sh00')).toMatchObject({ result: 'stopped', forced: false });
    const ms = performance.now() - started;
    expect(stopLooks() - before).toBeLessThanOrEqual(LOOKS_PER_BATCH);
    expect(pidAlive(child!)).toBe(false);
    expect(markedPids(ex.id)).toEqual([]);
    expect(ms).toBeLessThan(T(1_500)); // not a poll interval per process, nor the kill timeout
  }, T(30_000));

  it('stops again what is started again: two stopAll batches in a row share nothing stale', async () => {
    const { ex, dir } = setup();
    await startShTasks(ex, dir, 5);
    await ex.stopAll();
    expect(markedPids(ex.id)).toEqual([]);
    const rows = await ex.startAll();
    expect(rows.every((r) => r.result === 'started')).toBe(true);
    await waitUntil(() => markedPids(ex.id).length >= 15, { what: 'the restarted tasks and their children' });
    const stopped = await ex.stopAll();
    expect(stopped.every((r) => r.result === 'stopped')).toBe(true);
    expect(markedPids(ex.id)).toEqual([]);
  }, T(30_000));
});
