// Review fixes that need a second process or a live writer: a kill marked by a process that died before finishing it
// is finished by a later supervisor; a writer's pruning spares the output of a live extra run.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/index.js';
import { fixture, storedRecord } from '../helpers/executor.js';
import { processesOfFolder, supervising, useFolders } from '../helpers/folder.js';
import { spawnJsonLines } from '../helpers/json-child.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useFolders();
const HOLD = fixture('i3-sched-hold.js');
const KILLER = fixture('i3-review-killer.mjs');
const SPEW = fixture('i3-review-spew.js');

function taskFile(folder: string, name: string): TaskRecord {
  return storedRecord(folder, name) as TaskRecord;
}

describe('a kill marked but never finished', () => {
  it('is finished by a later supervisor: the tree is stopped and the run recorded as timed out', async () => {
    const folder = kit.folder();
    const holdDir = kit.scratch();
    // The killer runs `t` (timeout 1 s) and SIGKILLs itself on the `timeout` event, right after marking the kill.
    const killer = spawnJsonLines(KILLER, [folder, HOLD, JSON.stringify({ HOLD_DIR: holdDir })], {
      stdin: 'ignore', what: 'killer', mapExit: (code, signal) => ({ code, signal }),
    });
    kit.track(killer.child.pid!);
    const { runId, pid } = await killer.line((l) => typeof l.runId === 'string') as { runId: string; pid: number };
    kit.track(pid);
    expect(await killer.exited).toEqual({ code: null, signal: 'SIGKILL' });

    // Left behind: the run is marked for a timeout kill, but still alive and still the task's live run.
    const left = taskFile(folder, 't');
    expect(left.state.run).toMatchObject({ runId, pid, kill: 'timeout' });
    expect(pidAlive(pid)).toBe(true);

    const ex = kit.open(folder);
    await supervising(ex, kit.supervise(ex, { sleep: 1 }));
    const run = await ex.waitRun(runId, { timeout: T(15_000) });
    expect(run).toMatchObject({ runId, task: 't', timedOut: true, killedFor: 'timeout' });
    expect(run.endedAt).not.toBeNull();
    expect(pidAlive(pid)).toBe(false);
    expect(processesOfFolder(folder)).toEqual([]);
    const after = taskFile(folder, 't');
    expect(after.state.run).toBeNull();
    expect(after.state.extraRuns).toEqual([]);
  });
});

describe('pruning next to a live extra run', () => {
  it('a writer rotating and pruning the main run\'s archives never deletes the live extra run\'s output file', async () => {
    const folder = kit.folder();
    const holdDir = kit.scratch();
    const ex = kit.open(folder);
    const exited = new Set<string>();
    ex.on('exit', (e) => exited.add(e.runId));
    await ex.addTask('w', SPEW, {
      infiniteLoop: false, args: ['spew'], header: false, maxOutputBytes: 4096, maxArchiveBytes: 8192, env: { HOLD_DIR: holdDir },
    });
    await ex.startTask('w');
    const mainId = taskFile(folder, 'w').state.run!.runId;
    const extraId = await ex.runTask('w', { args: ['hold'] });
    const extraFile = taskFile(folder, 'w').state.extraRuns.find((r) => r.runId === extraId)!.outputFile;
    expect(extraFile).toMatch(/^w_.*\.txt$/); // archive-named, and the oldest such name in the folder
    const extraPath = path.join(folder, extraFile);
    const extraText = () => (existsSync(extraPath) ? readFileSync(extraPath, 'utf8') : '');
    await waitUntil(() => extraText().includes(`start ${extraId}`), { timeoutMs: 15_000, what: 'the extra run to write' });

    // Now the main run spews: its writer rotates every ~100 ms and prunes to 8 KiB. Wait until pruning has
    // deleted an archive newer than the extra run's file.
    writeFileSync(path.join(holdDir, 'spew'), '');
    const seen = new Set<string>();
    await waitUntil(() => {
      const now = new Set(readdirSync(folder).filter((f) => /^w_.*\.txt$/.test(f) && f !== extraFile));
      const pruned = [...seen].some((f) => !now.has(f));
      for (const f of now) seen.add(f);
      return pruned;
    }, { timeoutMs: 15_000, intervalMs: 10, what: 'the main run\'s writer to prune an archive' });
    expect(existsSync(extraPath)).toBe(true);
    expect(extraText()).toBe(`start ${extraId}\n`);

    // End the main run first (an ended extra run's file is an ordinary archive, which pruning may take).
    writeFileSync(path.join(holdDir, mainId), '');
    await waitUntil(() => exited.has(mainId), { timeoutMs: 15_000, what: 'the main run to exit' });
    writeFileSync(path.join(holdDir, extraId), '');
    const run = await ex.waitRun(extraId, { timeout: T(15_000) });
    expect(run).toMatchObject({ exitCode: 0, outputFile: extraFile });
    expect(extraText()).toBe(`start ${extraId}\nend ${extraId}\n`);
    expect(await ex.readOut('w', 10, { run: extraId })).toEqual([`start ${extraId}`, `end ${extraId}`]);
  });
});
