// Resources: cpu/rss of a task's whole tree in listTasks, maxMemory restarts, bounded disk (maxOutputBytes, maxArchiveBytes).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecutorError, InvalidOptionError, type Executor, type SupervisorHandle } from '../../src/index.js';
import type { ExitEvent, MemoryEvent, RestartEvent } from '../../src/events.js';
import { FIXTURES, nextEvent, readPids, snapshotFolder, useExecutors } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const handles: SupervisorHandle[] = [];
// Registered after useExecutors(): runs first, so no supervisor outlives the test's tasks.
afterEach(async () => {
  for (const handle of handles.splice(0)) await handle.stop();
});

const MIB = 1024 * 1024;
const LINE_BYTES = 16;
const TOTAL_BYTES = 50 * MIB;
const LINES = TOTAL_BYTES / LINE_BYTES;
const ARCHIVE = /^big_(\d{8}-\d{6})(?:-(\d+))?\.txt$/;

/** Rejects with `what` if `promise` has not settled within `unscaledMs` (scaled by TEST_TIME_FACTOR here). */
function within<T>(promise: Promise<T>, unscaledMs: number, what: string): Promise<T> {
  const ms = T(unscaledMs);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms); });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Waits until the hog fixture's parent and child wrote their pids, and tracks them. */
async function hogPids(pidsFile: string): Promise<number[]> {
  const pids = await waitUntil(() => { const p = readPids(pidsFile); return p.length >= 2 && p; }, { what: 'the hog parent and child pids' });
  for (const pid of pids) kit.track(pid);
  return pids;
}

async function rowOf(ex: Executor, name: string) {
  return (await ex.listTasks()).find((r) => r.name === name)!;
}

describe('listTasks: cpu and rss', () => {
  it('shows cpu (%) and rss (bytes) over the whole tree while running (a child holding ~120 MiB), null when not running', async () => {
    const { ex, dir } = kit.make();
    const pidsFile = path.join(dir, 'pids');
    await ex.addTask('hog', 'i3-runs-hog.js', { wd: FIXTURES, env: { PIDS_FILE: pidsFile, HOG_MB: 120, BUSY: 1 } });
    expect(await rowOf(ex, 'hog')).toMatchObject({ cpu: null, rss: null });
    await ex.startTask('hog');
    await hogPids(pidsFile);
    await waitUntil(async () => (await ex.readOut('hog')).some((l) => l.startsWith('grown ')), { what: 'the child to hold its memory' });
    const row = await rowOf(ex, 'hog');
    expect(row.status).toBe('running');
    expect(row.rss).toBeGreaterThan(100 * MIB);
    expect(typeof row.cpu).toBe('number');
    expect(row.cpu).toBeGreaterThanOrEqual(0);
    // The child spins: a later sample sees CPU time spent since the previous one.
    await waitUntil(async () => ((await rowOf(ex, 'hog')).cpu ?? 0) > 0, { what: 'cpu > 0 on a later sample' });
    await ex.stopTask('hog');
    expect(await rowOf(ex, 'hog')).toMatchObject({ status: 'stopped', cpu: null, rss: null });
  });
});

describe('maxMemory', () => {
  it.each([
    ["'200 MB'", '200 MB'],
    ['bytes', 200 * MIB],
  ])('maxMemory as %s: restarts a task whose tree grows past it (under keepRestarting): memory event, log line, killedFor memory', async (_form, maxMemory) => {
    const { ex, dir } = kit.make();
    const pidsFile = path.join(dir, 'pids');
    await ex.addTask('grow', 'i3-runs-hog.js', {
      wd: FIXTURES, maxMemory, env: { PIDS_FILE: pidsFile, HOG_MB: 320, HOG_FIRST_ONLY: 1 },
    });
    const exits: ExitEvent[] = [];
    ex.on('exit', (e) => exits.push(e));
    const firstStart = nextEvent(ex, 'start', (e) => e.name === 'grow');
    const memory = nextEvent(ex, 'memory', (e) => e.name === 'grow');
    const restarted = nextEvent(ex, 'restart', (e) => e.name === 'grow');
    handles.push(ex.keepRestarting({ sleep: 1 }));
    await ex.startTask('grow');
    const first = await within(firstStart, 10_000, 'the first start');
    const pids = await hogPids(pidsFile);
    const event: MemoryEvent = await within(memory, 20_000, 'the memory event');
    expect(event).toMatchObject({ name: 'grow', runId: first.runId, pid: first.pid, maxMemory: 200 * MIB });
    expect(event.rss).toBeGreaterThan(200 * MIB);
    const restart: RestartEvent = await within(restarted, 20_000, 'the restart');
    expect(restart.runId).not.toBe(first.runId);
    await waitUntil(() => pids.every((pid) => !pidAlive(pid)), { what: 'the first tree to be gone' });
    expect(exits.find((e) => e.runId === first.runId)).toMatchObject({ killedFor: 'memory', timedOut: false, stopped: false });
    expect(await ex.waitRun(first.runId)).toMatchObject({ killedFor: 'memory', timedOut: false });
    const log = await ex.readLog();
    expect(log.some((l) => l.includes('maxMemory') && l.includes('grow'))).toBe(true);
    // The restarted run stays small, so it keeps running.
    expect(await rowOf(ex, 'grow')).toMatchObject({ status: 'running', lastTrigger: 'restart' });
  });
});

/** Lines of one output file, checked: whole fixed-width numbered lines only. */
function numberedLines(file: string): number[] {
  const text = readFileSync(file, 'latin1');
  expect(text.length % LINE_BYTES, `${path.basename(file)} holds whole lines`).toBe(0);
  const nums: number[] = [];
  for (let at = 0; at < text.length; at += LINE_BYTES) {
    const line = text.slice(at, at + LINE_BYTES);
    if (!/^\d{15}\n$/.test(line)) throw new Error(`torn line ${JSON.stringify(line)} at byte ${at} of ${path.basename(file)}`);
    nums.push(Number(line.slice(0, -1)));
  }
  return nums;
}

describe('bounded disk: maxOutputBytes and maxArchiveBytes', () => {
  it('50 MB through a 1 MB cap keeps only the newest bytes, intact: contiguous lines ending at the last, none torn or twice', async () => {
    const { ex } = kit.make();
    await ex.addTask('big', 'i3-runs-numbered.js', {
      wd: FIXTURES, infiniteLoop: false, header: false, maxOutputBytes: '1 MB', maxArchiveBytes: '3 MB', env: { LINES },
    });
    const exited = nextEvent(ex, 'exit', (e) => e.name === 'big');
    await ex.startTask('big');
    expect(await within(exited, 25_000, 'the 50 MB run to end')).toMatchObject({ exitCode: 0 });

    const archives = readdirSync(ex.folder).flatMap((f) => {
      const m = ARCHIVE.exec(f);
      return m ? [{ f, stamp: m[1]!, seq: Number(m[2] ?? '1') }] : [];
    }).sort((a, b) => (a.stamp === b.stamp ? a.seq - b.seq : a.stamp < b.stamp ? -1 : 1)).map((a) => a.f);
    const sizes = archives.map((f) => statSync(path.join(ex.folder, f)).size);
    const live = path.join(ex.folder, 'big.txt');
    expect(statSync(live).size).toBeLessThanOrEqual(MIB);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(MIB);
    const archived = sizes.reduce((a, b) => a + b, 0);
    expect(archived).toBeLessThanOrEqual(3 * MIB);
    // Oldest first, pruning stops as soon as the archives fit: what is left is more than the cap minus one archive.
    expect(archived).toBeGreaterThan(2 * MIB);

    const kept = [...archives.map((f) => path.join(ex.folder, f)), live].flatMap(numberedLines);
    expect(kept.at(-1)).toBe(LINES - 1);
    const firstKept = kept[0]!;
    expect(firstKept).toBeGreaterThan(0);
    const gaps = kept.flatMap((n, i) => (n === firstKept + i ? [] : [`#${i}: ${n}`]));
    expect(gaps.slice(0, 5)).toEqual([]);
    expect((await ex.listOutputs('big')).map((o) => o.file).sort()).toEqual([...archives].sort());
  });

  it('maxArchiveBytes alone caps the archives of whole runs, deleting the oldest first', async () => {
    const { ex } = kit.make();
    // Each run prints 256 lines of 16 bytes: 4 KiB. A 10 KiB cap holds two archives.
    await ex.addTask('big', 'i3-runs-numbered.js', { wd: FIXTURES, infiniteLoop: false, header: false, maxArchiveBytes: '10 KiB', env: { LINES: 256 } });
    const runs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const runId = await ex.runTask('big');
      await within(ex.waitRun(runId), 20_000, `run ${i + 1}`);
      runs.push(runId);
    }
    const outputs = await ex.listOutputs('big');
    expect(outputs.map((o) => o.runId)).toEqual([runs[3], runs[2]]);
    expect(outputs.reduce((sum, o) => sum + o.size, 0)).toBeLessThanOrEqual(10 * 1024);
    expect(readdirSync(ex.folder).filter((f) => ARCHIVE.test(f))).toHaveLength(2);
  });

  it.each([
    ['4095 bytes', 4095],
    ["'1 KB'", '1 KB'],
    ['0', 0],
  ])('maxOutputBytes under 4 KiB (%s) -> typed error, nothing written', async (_what, value) => {
    const { ex } = kit.make();
    const before = snapshotFolder(ex.folder);
    const error = await ex.addTask('small', 'once.js', { wd: FIXTURES, maxOutputBytes: value }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorError);
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as Error).message).toContain('maxOutputBytes');
    expect(snapshotFolder(ex.folder)).toEqual(before);
    expect(await ex.listTasks()).toEqual([]);
  });

  it('maxOutputBytes of exactly 4 KiB is accepted', async () => {
    const { ex } = kit.make();
    await expect(ex.addTask('edge', 'once.js', { wd: FIXTURES, maxOutputBytes: '4 KiB' })).resolves.toMatchObject({ name: 'edge' });
  });
});
