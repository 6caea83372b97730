// Run history: keepRuns pruning, saveRun pinning (program runs and script-run archives), listRuns filters, tags.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OutputNotFoundError, RunNotFoundError, type Executor, type RunRecord } from '../../src/index.js';
import { clusterUrl, storedRuns, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

const kit = useExecutors();
const FIX = fileURLToPath(new URL('../fixtures/program/', import.meta.url));
const STEP = 'hist-step.js';
const WAIT = { timeout: T(15_000) };
const STEPS = [{ name: 'extract', script: STEP }, { name: 'load', script: STEP }];

/**
 * Waits until nothing named after `pruned` is left in `runsDir`. A run's keepRuns prune follows the write of its record,
 * so `waitRun` of the last run may resolve while the prune it set off is still deleting (seen on a loaded machine).
 */
async function prunesDone(runsDir: string, pruned: string[]): Promise<void> {
  // The folder's files of those runs, and their ledger records as stored (the same files, or a cluster's rows).
  const stored = (): string[] => storedRuns(path.dirname(path.dirname(runsDir)), path.basename(runsDir)).map((r) => r.runId).filter((id) => pruned.includes(id));
  const left = (): string[] => [...readdirSync(runsDir).filter((f) => pruned.some((id) => f.startsWith(id))), ...stored()];
  await waitUntil(() => left().length === 0, { what: `the prune of ${pruned.join(', ')} to end` });
}

/** Runs `name` `count` times one after the other (the run at `failAt` exits 1); `afterFirst` runs once the first ended, `beforeEach` before each run. */
async function runInSequence(
  ex: Executor, name: string, count: number, failAt: number, afterFirst: (runId: string) => Promise<unknown>, beforeEach: () => void = () => undefined,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    beforeEach();
    const runId = await ex.runTask(name, { data: { exit: i === failAt ? 1 : 0 } });
    ids.push(runId);
    const run = await ex.waitRun(runId, WAIT);
    expect(run.status, `run ${i}`).toBe(i === failAt ? 'failed' : 'succeeded');
    if (i === 0) await afterFirst(runId);
  }
  return ids;
}

const ids = (runs: RunRecord[]) => runs.map((r) => r.runId);
const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

describe('keepRuns and saveRun on a program', () => {
  it('keeps the 3 newest runs plus the saved one; pruned runs lose their ledger and folder', async () => {
    const { ex } = kit.make();
    await ex.addTask('etl', { wd: FIX, keepRuns: 3, retryDelay: 50, steps: STEPS });
    let saved: RunRecord | null = null;
    const runIds = await runInSequence(ex, 'etl', 6, 4, async (id) => { saved = await ex.saveRun(id, { name: 'golden', description: 'd' }); });
    const [first, second, third, fourth, fifth, sixth] = runIds as [string, string, string, string, string, string];
    expect(saved).toMatchObject({ runId: first, saved: { name: 'golden', description: 'd' } });
    const runsDir = path.join(ex.folder, 'runs', 'etl');
    await prunesDone(runsDir, [second, third]);

    const runs = await ex.listRuns({ task: 'etl' });
    expect(ids(runs)).toEqual([sixth, fifth, fourth, first]);
    const pinned = runs[3]!;
    expect(pinned.saved).toEqual({ name: 'golden', description: 'd', savedAt: expect.any(String) });
    expect(Number.isNaN(Date.parse(pinned.saved!.savedAt))).toBe(false);
    expect(await ex.getRun(first)).toEqual(pinned);
    expect(runs.filter((r) => r.runId !== first).every((r) => r.saved === null)).toBe(true);

    // The saved run keeps its folder and every step's output.
    expect(isDir(path.join(runsDir, first))).toBe(true);
    expect(pinned.steps.map((s) => s.status)).toEqual(['completed', 'completed']);
    for (const step of pinned.steps) {
      expect(step.outputFile).toBe(path.join('runs', 'etl', first, `${step.name}.txt`));
      expect(readFileSync(path.join(ex.folder, step.outputFile!), 'utf8')).toContain(`step=${step.name} run=${first}`);
    }
    // The pruned runs are gone: ledger file, run folder, record.
    for (const id of [second, third]) {
      expect(existsSync(path.join(runsDir, `${id}.json`)), `ledger of ${id}`).toBe(false);
      expect(existsSync(path.join(runsDir, id)), `folder of ${id}`).toBe(false);
      await expect(ex.getRun(id)).rejects.toBeInstanceOf(RunNotFoundError);
    }
    const left = new Set(readdirSync(runsDir).map((f) => f.replace(/\.json$/, '')));
    expect([...left].sort()).toEqual([first, fourth, fifth, sixth].sort());
  });

  it('listRuns filters by saved and status, and limit keeps the newest', async () => {
    const { ex } = kit.make();
    await ex.addTask('etl', { wd: FIX, keepRuns: 3, retryDelay: 50, steps: STEPS });
    await ex.addTask('other', { wd: FIX, steps: [{ name: 'only', script: STEP }] });
    const runIds = await runInSequence(ex, 'etl', 4, 2, (id) => ex.saveRun(id, { name: 'golden' }));
    const otherId = await ex.runTask('other');
    await ex.waitRun(otherId, WAIT);
    const [first, second, third, fourth] = runIds as [string, string, string, string];

    expect(ids(await ex.listRuns({ saved: true }))).toEqual([first]);
    expect((await ex.getRun(first)).saved).toEqual({ name: 'golden', description: null, savedAt: expect.any(String) });
    expect(ids(await ex.listRuns({ task: 'etl', saved: false }))).toEqual([fourth, third, second]);
    expect(ids(await ex.listRuns({ status: 'failed' }))).toEqual([third]);
    expect(ids(await ex.listRuns({ task: 'etl', status: 'succeeded' }))).toEqual([fourth, second, first]);
    expect(await ex.listRuns({ status: 'cancelled' })).toEqual([]);
    // Every task, newest first; limit keeps the newest.
    expect(ids(await ex.listRuns())).toEqual([otherId, fourth, third, second, first]);
    expect(ids(await ex.listRuns({ limit: 2 }))).toEqual([otherId, fourth]);
    expect(ids(await ex.listRuns({ task: 'etl', limit: 1 }))).toEqual([fourth]);
    expect(ids(await ex.listRuns({ task: 'etl', saved: false, limit: 2 }))).toEqual([fourth, third]);
  });
});

describe('keepRuns and saveRun on a script task', () => {
  it('keeps the newest keepRuns ledger records plus the saved one', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', STEP, { wd: FIX, infiniteLoop: false, keepRuns: 2 });
    const runIds = await runInSequence(ex, 'job', 5, -1, (id) => ex.saveRun(id, { name: 'keep me' }));
    const [first, , , fourth, fifth] = runIds as [string, string, string, string, string];
    const runsDir = path.join(ex.folder, 'runs', 'job');
    await prunesDone(runsDir, runIds.slice(1, 3));
    expect(ids(await ex.listRuns({ task: 'job' }))).toEqual([fifth, fourth, first]);
    // Nothing of the pruned runs is left (ledger record, exit status); the saved run keeps both.
    const left = readdirSync(runsDir);
    for (const id of runIds.slice(1, 3)) expect(left.filter((f) => f.startsWith(id)), `files of ${id}`).toEqual([]);
    if (clusterUrl() === undefined) expect(left).toContain(`${first}.json`);
    else expect(storedRuns(ex.folder, 'job').map((r) => r.runId)).toContain(first); // a cluster's ledger is its rows
    await expect(ex.getRun(runIds[1]!)).rejects.toBeInstanceOf(RunNotFoundError);
  });

  // The clock moves 1 s per run so every archive gets its own stamp (see the next test for runs within one second).
  it('keepArchives never prunes a saved run\'s output archive', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const { ex } = kit.make({ keepArchives: 2, now: () => clock });
    await ex.addTask('job', STEP, { wd: FIX, infiniteLoop: false });
    const runIds = await runInSequence(ex, 'job', 6, -1, (id) => ex.saveRun(id, { name: 'golden' }), () => { clock += 1000; });
    const [first, second, third, fourth, fifth, sixth] = runIds as [string, string, string, string, string, string];

    // The saved run's output (archived when the second run started) is still readable by its runId.
    expect(await ex.readOut('job', 50, { run: first })).toEqual([`step=- run=${first}`]);
    const savedFile = (await ex.getRun(first)).outputFile;
    expect(savedFile).toBe('job_20300101-000001.txt');
    expect(existsSync(path.join(ex.folder, savedFile))).toBe(true);
    // Two unsaved archives are kept (runs 4 and 5), the older ones are pruned; run 6 is the current output.
    const outputs = await ex.listOutputs('job');
    expect(outputs.map((o) => o.file)).toEqual(['job_20300101-000005.txt', 'job_20300101-000004.txt', savedFile]);
    for (const id of [fourth, fifth]) expect(await ex.readOut('job', 50, { run: id })).toEqual([`step=- run=${id}`]);
    expect(await ex.readOut('job', 50)).toEqual([`step=- run=${sixth}`]);
    for (const id of [second, third]) await expect(ex.readOut('job', 50, { run: id })).rejects.toBeInstanceOf(OutputNotFoundError);
  });

  // Runs starting within one second share an archive stamp: a pruned archive's name must not be handed to a later
  // run, or the pruned run's ledger (kept: keepRuns is 100) would point at another run's output.
  it('readOut of a run whose archive was pruned never returns another run\'s output (runs within one second)', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const { ex } = kit.make({ keepArchives: 2, now: () => clock });
    await ex.addTask('job', STEP, { wd: FIX, infiniteLoop: false });
    const runIds = await runInSequence(ex, 'job', 6, -1, (id) => ex.saveRun(id, { name: 'golden' }), () => { clock += 10; });
    for (const id of runIds) {
      const lines = await ex.readOut('job', 50, { run: id }).catch((error: unknown) => (error instanceof OutputNotFoundError ? null : error));
      if (lines !== null) expect(lines, `output read for run ${id}`).toEqual([`step=- run=${id}`]);
    }
    await expect(ex.readOut('job', 50, { run: runIds[1]! })).rejects.toBeInstanceOf(OutputNotFoundError);
  });
});

describe('tags and description', () => {
  it('listTasks({ tag }) returns only the tagged tasks; rows carry tags, description and step names', async () => {
    const { ex } = kit.make();
    await ex.addTask('etl', { wd: FIX, steps: STEPS, tags: ['etl', 'nightly'], description: 'Loads data' });
    await ex.addTask('report', STEP, { wd: FIX, infiniteLoop: false, tags: ['nightly', 'nightly'], description: 'Sends it' });
    await ex.addTask('plain', { script: STEP, wd: FIX, infiniteLoop: false });

    const etl = await ex.listTasks({ tag: 'etl' });
    expect(etl.map((r) => r.name)).toEqual(['etl']);
    expect(etl[0]).toMatchObject({ tags: ['etl', 'nightly'], description: 'Loads data', steps: ['extract', 'load'] });
    expect((await ex.listTasks({ tag: 'nightly' })).map((r) => r.name).sort()).toEqual(['etl', 'report']);
    expect(await ex.listTasks({ tag: 'weekly' })).toEqual([]);

    const all = await ex.listTasks();
    expect(all.map((r) => r.name).sort()).toEqual(['etl', 'plain', 'report']);
    expect(all.find((r) => r.name === 'report')).toMatchObject({ tags: ['nightly'], description: 'Sends it', steps: null });
    expect(all.find((r) => r.name === 'plain')).toMatchObject({ tags: [], description: null, steps: null });
    expect(await ex.listTasks({})).toEqual(all.map((r) => ({ ...r, cpu: null, rss: null })));
  });
});
