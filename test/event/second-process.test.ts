// emitEvent from another Node process (dist/): the running supervisor picks every event up exactly once; with no
// supervisor alive, the emitting process starts the runs itself. Nothing is lost either way.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor, RunRecord } from '../../src/index.js';
import { collect, supervising, useFolders } from '../helpers/folder.js';
import { spawnJsonLines, type JsonLinesChild } from '../helpers/json-child.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const EVENT_FIXTURES = fileURLToPath(new URL('../fixtures/event/', import.meta.url));
const EMITTER = path.join(EVENT_FIXTURES, 'emit.mjs');
const SUPERVISOR = path.join(EVENT_FIXTURES, 'supervise.mjs');
/** Generous bound on the first pick-up (a deadline, not a measurement). */
const FIRST_START_DEADLINE_MS = 5_000;
const BURST = 20;

const kit = useFolders();
const children: JsonLinesChild<number | null>[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
});

/** Runs `node emit.mjs folder type count`; resolves with its printed lines once it has exited 0. */
async function emitFromChild(folder: string, type: string, count: number): Promise<{ emitting: number; runIds: string[][] }> {
  const child = spawnJsonLines(EMITTER, [folder, type, String(count)], { stdin: 'ignore', what: 'emitter', mapExit: (code) => code });
  children.push(child);
  const code = await child.exited;
  expect(code, child.stderr()).toBe(0);
  const emitting = child.lines.find((l) => typeof l.emitting === 'number')!.emitting as number;
  const emits = child.lines.filter((l) => Array.isArray(l.runIds)).sort((a, b) => (a.i as number) - (b.i as number));
  expect(emits.map((l) => l.i)).toEqual([...Array(count).keys()]);
  expect(child.lines.some((l) => l.done === true)).toBe(true);
  return { emitting, runIds: emits.map((l) => l.runIds as string[]) };
}

/** Pending event files of the folder. */
function pendingEvents(folder: string): string[] {
  const dir = path.join(folder, 'events');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** A program `p` (concurrency 1: runs queue; `steps` steps) and a script task `s`, both on `type`; `quiet` is not subscribed. */
async function subscribers(ex: Executor, type: string, out: string, steps: string[]): Promise<void> {
  const env = { OUT_DIR: out };
  await ex.addTask('p', { wd: EVENT_FIXTURES, env, on: [type], steps: steps.map((name) => ({ name, script: 'step.js' })) });
  await ex.addTask('s', { script: 'step.js', wd: EVENT_FIXTURES, env, infiniteLoop: false, on: [type] });
  await ex.addTask('quiet', { script: 'step.js', wd: EVENT_FIXTURES, env, infiniteLoop: false, on: ['something-else'] });
}

function ended(run: RunRecord): boolean {
  return run.status !== 'queued' && run.status !== 'running';
}

describe('emitEvent from a second process', () => {
  it('is picked up by the running supervisor: 20 events, 20 runs per subscriber with the printed runIds, none twice', async () => {
    const folder = kit.folder();
    const out = kit.scratch();
    const ex = kit.open(folder);
    await subscribers(ex, 'burst', out, ['only']);
    const starts = collect(ex, 'start');
    const startedAt: number[] = [];
    ex.on('start', () => startedAt.push(Date.now()));
    const handle = kit.supervise(ex, { sleep: 1 });
    await supervising(ex, handle);

    const { emitting, runIds } = await emitFromChild(folder, 'burst', BURST);
    for (const ids of runIds) expect(ids).toHaveLength(2);
    const printed = runIds.flat();
    expect(new Set(printed).size).toBe(2 * BURST);

    await waitUntil(async () => {
      const runs = await ex.listRuns({ limit: 1000 });
      return runs.length === 2 * BURST && runs.every(ended);
    }, { timeoutMs: 40_000, intervalMs: 100, what: `${2 * BURST} runs to end` });
    expect(startedAt.length).toBeGreaterThan(0);
    expect(startedAt[0]! - emitting).toBeLessThan(T(FIRST_START_DEADLINE_MS));

    for (const task of ['p', 's']) {
      const runs = await ex.listRuns({ task, limit: 1000 });
      const ids = runs.map((r) => r.runId);
      expect(ids, task).toHaveLength(BURST);
      expect(new Set(ids).size, task).toBe(BURST);
      expect(runs.every((r) => r.status === 'succeeded' && r.trigger === 'event' && r.event === 'burst'), task).toBe(true);
      // Emit i gave this task the run with data { i }: the printed ids and the payloads line up.
      const byData = new Map(runs.map((r) => [(r.data as { i: number }).i, r.runId]));
      expect([...byData.keys()].sort((a, b) => a - b), task).toEqual([...Array(BURST).keys()]);
      for (const [i, ids2] of runIds.entries()) expect(ids2, `${task} emit ${i}`).toContain(byData.get(i));
    }
    expect(new Set((await ex.listRuns({ limit: 1000 })).map((r) => r.runId))).toEqual(new Set(printed));
    expect(await ex.listRuns({ task: 'quiet' })).toEqual([]);
    // Each run started once (one `start` per run; a program's later steps are `step` events).
    expect(starts.map((s) => s.runId).sort()).toEqual([...printed].sort());
    expect(pendingEvents(folder)).toEqual([]);
  }, T(70_000));

  it('with no supervisor alive, is run by the emitting process itself; the runs end and waitRun sees them', async () => {
    const folder = kit.folder();
    const out = kit.scratch();
    mkdirSync(out, { recursive: true });
    const ex = kit.open(folder);
    await subscribers(ex, 'lonely', out, ['only', 'then']);

    const { runIds } = await emitFromChild(folder, 'lonely', 1);
    const [ids] = runIds;
    expect(ids).toHaveLength(2);
    // Handled before emitEvent resolved: no event file left, both runs already started by the child.
    expect(pendingEvents(folder)).toEqual([]);
    for (const id of ids!) {
      const run = await ex.getRun(id);
      expect(run.status === 'running' || run.status === 'succeeded', `${run.task} ${run.status}`).toBe(true);
      expect(run).toMatchObject({ trigger: 'event', event: 'lonely', data: { i: 0 } });
    }
    const runs = await Promise.all(ids!.map((id) => ex.waitRun(id, { timeout: T(20_000) })));
    expect(runs.map((r) => r.task).sort()).toEqual(['p', 's']);
    for (const run of runs) expect(run).toMatchObject({ status: 'succeeded', trigger: 'event', event: 'lonely', data: { i: 0 } });
    const program = runs.find((r) => r.task === 'p')!;
    expect(program.steps.map((s) => s.status)).toEqual(['completed', 'completed']);
    const copies = readdirSync(out).filter((f) => f.startsWith('p.') || f.startsWith('s.'));
    expect(copies.sort()).toEqual([`p.only.${program.runId}.json`, `p.then.${program.runId}.json`, `s.script.${runs.find((r) => r.task === 's')!.runId}.json`].sort());
  });

  it('with only the lease left by a SIGKILLed supervisor, is still run by the emitting process', async () => {
    const folder = kit.folder();
    const out = kit.scratch();
    const ex = kit.open(folder);
    await subscribers(ex, 'orphan', out, ['only']);
    const supervisor = spawnJsonLines(SUPERVISOR, [folder], { stdin: 'ignore', what: 'supervisor', mapExit: (code) => code });
    children.push(supervisor);
    await supervisor.line((l) => 'supervising' in l);
    supervisor.child.kill('SIGKILL');
    await supervisor.exited;
    expect(existsSync(path.join(folder, 'supervisor.json'))).toBe(true); // the dead holder's lease is left behind

    const { runIds } = await emitFromChild(folder, 'orphan', 1);
    const [ids] = runIds;
    expect(ids).toHaveLength(2);
    expect(pendingEvents(folder)).toEqual([]);
    const runs = await Promise.all(ids!.map((id) => ex.waitRun(id, { timeout: T(20_000) })));
    expect(runs.map((r) => r.task).sort()).toEqual(['p', 's']);
    for (const run of runs) expect(run).toMatchObject({ status: 'succeeded', trigger: 'event', event: 'orphan', data: { i: 0 } });
  });
});
