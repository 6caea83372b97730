// Output files: `<name>.txt`, archives renamed (not copied) per run, keepArchives, readOut, listOutputs, followOut.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { FIXTURES, nextEvent, useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';

const kit = useExecutors();
const ARCHIVE = /^out_(\d{8}-\d{6})(-\d+)?\.txt$/;
const BASE_MS = Date.UTC(2030, 0, 2, 3, 4, 5, 678);

/** `YYYYMMDD-HHmmss` of an ISO time, in UTC (the archive stamp). */
function stampOf(iso: string): string {
  return iso.replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Starts a once task and resolves with its run id once that run has ended (its exit event came). */
async function runToEnd(ex: Executor, name: string): Promise<string> {
  const start = nextEvent(ex, 'start', (e) => e.name === name);
  const ended = new Set<string>();
  const onExit = (e: { name: string; runId: string }) => { if (e.name === name) ended.add(e.runId); };
  ex.on('exit', onExit);
  try {
    await ex.startTask(name);
    const { runId } = await start;
    await waitUntil(() => ended.has(runId), { what: `run ${runId} of ${name} to end` });
    return runId;
  } finally {
    ex.off('exit', onExit);
  }
}

function archivesIn(folder: string): string[] {
  return readdirSync(folder).filter((f) => ARCHIVE.test(f)).sort();
}

describe('output files', () => {
  it('writes stdout and stderr, merged, to <folder>/<name>.txt', async () => {
    const { ex } = kit.make();
    await ex.addTask('out', 'crash.js', { wd: FIXTURES, infiniteLoop: false });
    await runToEnd(ex, 'out');
    const text = readFileSync(path.join(ex.folder, 'out.txt'), 'utf8');
    expect(text).toContain('about to crash\n');
    expect(text).toContain('crash on stderr\n');
    expect((await ex.readOut('out')).sort()).toEqual(['about to crash', 'crash on stderr']);
  });

  it('renames (same inode) the previous output to <name>_<YYYYMMDD-HHmmss>.txt, the previous start time, on the next run', async () => {
    const { ex } = kit.make();
    await ex.addTask('out', 'print-env.js', { wd: FIXTURES, infiniteLoop: false });
    const run1 = await runToEnd(ex, 'out');
    const first = (await ex.listTasks())[0]!;
    const inode = statSync(path.join(ex.folder, 'out.txt')).ino;
    const run2 = await runToEnd(ex, 'out');
    const archives = archivesIn(ex.folder);
    expect(archives).toEqual([`out_${stampOf(first.lastStartedAt!)}.txt`]);
    expect(statSync(path.join(ex.folder, archives[0]!)).ino).toBe(inode);
    expect(statSync(path.join(ex.folder, 'out.txt')).ino).not.toBe(inode);
    expect(readFileSync(path.join(ex.folder, archives[0]!), 'utf8')).toContain(`EXECUTOR_RUN_ID=${run1}`);
    expect(await ex.readOut('out')).toContain(`EXECUTOR_RUN_ID=${run2}`);
  });

  it('adds a -N suffix when two runs started in the same second', async () => {
    const { ex } = kit.make({ now: () => BASE_MS });
    await ex.addTask('out', 'print-env.js', { wd: FIXTURES, infiniteLoop: false });
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await runToEnd(ex, 'out'));
    expect(archivesIn(ex.folder)).toEqual(['out_20300102-030405-2.txt', 'out_20300102-030405-3.txt', 'out_20300102-030405.txt']);
    expect(readFileSync(path.join(ex.folder, 'out_20300102-030405.txt'), 'utf8')).toContain(runs[0]!);
    expect(readFileSync(path.join(ex.folder, 'out_20300102-030405-2.txt'), 'utf8')).toContain(runs[1]!);
    expect(readFileSync(path.join(ex.folder, 'out_20300102-030405-3.txt'), 'utf8')).toContain(runs[2]!);
    expect((await ex.listOutputs('out')).map((o) => o.file)).toEqual(['out_20300102-030405-3.txt', 'out_20300102-030405-2.txt', 'out_20300102-030405.txt']);
  });

  it('keeps at most keepArchives archives, deleting the oldest; listOutputs is newest first with times; readOut { run }', async () => {
    let clock = BASE_MS;
    const { ex } = kit.make({ keepArchives: 2, now: () => clock });
    await ex.addTask('out', 'print-env.js', { wd: FIXTURES, infiniteLoop: false });
    const runs: string[] = [];
    const starts: string[] = [];
    for (let i = 0; i < 5; i++) {
      runs.push(await runToEnd(ex, 'out'));
      starts.push((await ex.listTasks())[0]!.lastStartedAt!);
      clock += 61_000;
    }
    const outputs = await ex.listOutputs('out');
    expect(outputs.map((o) => [o.archive, o.file, o.startedAt, o.runId])).toEqual([
      [1, `out_${stampOf(starts[3]!)}.txt`, starts[3], runs[3]],
      [2, `out_${stampOf(starts[2]!)}.txt`, starts[2], runs[2]],
    ]);
    expect(outputs.every((o) => o.path === path.join(ex.folder, o.file) && o.size > 0)).toBe(true);
    expect(archivesIn(ex.folder)).toHaveLength(2);
    for (const i of [0, 1]) expect(existsSync(path.join(ex.folder, `out_${stampOf(starts[i]!)}.txt`))).toBe(false);

    expect(await ex.readOut('out', 50, { run: 1 })).toContain(`EXECUTOR_RUN_ID=${runs[3]}`);
    expect(await ex.readOut('out', 50, { run: 2 })).toContain(`EXECUTOR_RUN_ID=${runs[2]}`);
    expect(await ex.readOut('out', 50, { run: runs[2]! })).toContain(`EXECUTOR_RUN_ID=${runs[2]}`);
    expect(await ex.readOut('out', 50, { run: runs[4]! })).toContain(`EXECUTOR_RUN_ID=${runs[4]}`);
    expect(await ex.readOut('out')).toContain(`EXECUTOR_RUN_ID=${runs[4]}`);
  });

  it('keepArchives defaults to 50', async () => {
    const { DEFAULT_KEEP_ARCHIVES } = await import('../../src/index.js');
    expect(DEFAULT_KEEP_ARCHIVES).toBe(50);
  });
});

describe('readOut', () => {
  it('returns the last n lines as string[] (default 50)', async () => {
    const { ex } = kit.make();
    await ex.addTask('loop', 'loop.js', { wd: FIXTURES, env: { LOOP_MS: 5 } });
    await ex.startTask('loop');
    await waitUntil(async () => (await ex.readOut('loop', 1000)).length > 60, { what: '60 lines of output' });
    const all = await ex.readOut('loop');
    expect(all).toHaveLength(50);
    expect(all.every((l) => /^line \d+$/.test(l))).toBe(true);
    const nums = all.map((l) => Number(l.slice(5)));
    expect(nums).toEqual(nums.map((_, i) => nums[0]! + i));
    const three = await ex.readOut('loop', 3);
    expect(three).toHaveLength(3);
    expect(Number(three[0]!.slice(5))).toBeGreaterThanOrEqual(nums[47]!);
    expect(await ex.readOut('loop', 0)).toEqual([]);
  });
});

describe('followOut', () => {
  it('yields new lines across restarts, in order, none lost', async () => {
    const { ex } = kit.make();
    await ex.addTask('loop', 'loop.js', { wd: FIXTURES });
    const runIds: string[] = [];
    ex.on('start', (e) => runIds.push(e.runId));
    await ex.startTask('loop');
    await waitUntil(async () => (await ex.readOut('loop', 5)).length >= 3, { what: 'the first lines' });
    const lines: string[] = [];
    const ac = new AbortController();
    const consumer = (async () => {
      for await (const line of ex.followOut('loop', { signal: ac.signal })) lines.push(line);
    })();
    try {
      await waitUntil(() => lines.length >= 2, { what: 'followed lines of the first run' });
      for (const n of [1, 2]) {
        await ex.restartTask('loop');
        await waitUntil(() => lines.includes(`run ${runIds[n]}`) && lines.at(-1) !== `run ${runIds[n]}` && lines.at(-1) !== 'line 0', { what: `lines of run ${n + 1}` });
      }
    } finally {
      ac.abort();
      await consumer;
    }
    // Split into runs: [first run's tail], [run 2], [run 3]; each a gap-free count.
    const segments: string[][] = [[]];
    for (const line of lines) {
      if (line.startsWith('run ')) segments.push([line]);
      else segments.at(-1)!.push(line);
    }
    expect(segments.slice(1).map((s) => s[0])).toEqual([`run ${runIds[1]}`, `run ${runIds[2]}`]);
    segments.forEach((segment, i) => {
      const nums = segment.filter((l) => !l.startsWith('run ')).map((l) => {
        expect(l).toMatch(/^line \d+$/);
        return Number(l.slice(5));
      });
      expect(nums.length).toBeGreaterThan(0);
      if (i > 0) expect(nums[0]).toBe(0);
      expect(nums).toEqual(nums.map((_, k) => nums[0]! + k));
    });
  });
});
