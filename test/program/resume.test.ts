// Programs survive a SIGKILLed supervisor: a step still alive is adopted (not re-run), a step killed with it is
// re-run once from its checkpoint (a resume, not a retry). The first supervisor runs in a child Node process (dist/).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { LeaseHeldError, type Executor, type RunRecord } from '../../src/index.js';
import { ledger, supervising, useFolders } from '../helpers/folder.js';
import { spawnJsonLines, type JsonLinesChild } from '../helpers/json-child.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';

const SUPERVISOR = fileURLToPath(new URL('../fixtures/program/resume-supervisor.mjs', import.meta.url));
const STEPS = ['first', 'wait', 'last'];

const kit = useFolders();
const children: JsonLinesChild<NodeJS.Signals | number | null>[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
});

interface Started {
  folder: string;
  countDir: string;
  go: string;
  child: JsonLinesChild<NodeJS.Signals | number | null>;
  runId: string;
  /** The `wait` step's pid (its shim: the leader of its own session), as the child's `step` event gave it. */
  waitPid: number;
}

/** Starts the child supervisor, which runs `etl`; resolves once step `wait` runs and has written its checkpoint. */
async function startInChild(): Promise<Started> {
  const folder = kit.folder();
  const countDir = kit.scratch();
  const go = path.join(countDir, 'go');
  const child = spawnJsonLines(SUPERVISOR, [folder, countDir, go], {
    stdin: 'ignore', what: 'child supervisor', mapExit: (code, signal) => signal ?? code,
  });
  children.push(child);
  const { runId } = await child.line((l) => typeof l.runId === 'string') as { runId: string };
  type StepLine = { step: { runId: string; step: string; status: string; pid: number | null } };
  const running = await child.line((l) => {
    const e = (l as StepLine).step;
    return e !== undefined && e.runId === runId && e.step === 'wait' && e.status === 'running';
  }) as StepLine;
  const waitPid = running.step.pid!;
  kit.track(waitPid);
  const checkpoint = path.join(folder, 'runs', 'etl', runId, 'wait.state.json');
  await waitUntil(() => existsSync(checkpoint), { what: 'the wait step to write its checkpoint' });
  return { folder, countDir, go, child, runId, waitPid };
}

/** Each start of `step`: the Node pid and EXECUTOR_STEP_ATTEMPT it saw. */
function starts(countDir: string, step: string): { pid: number; attempt: number }[] {
  const file = path.join(countDir, `${step}.starts`);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const [pid, attempt] = line.split(' ').map(Number);
    return { pid: pid!, attempt: attempt! };
  });
}

async function killChild(s: Started): Promise<void> {
  s.child.child.kill('SIGKILL');
  expect(await s.child.exited).toBe('SIGKILL');
}

async function ended(ex: Executor, runId: string, pass: () => Promise<unknown> = async () => undefined): Promise<RunRecord> {
  return waitUntil(async () => {
    await pass();
    const run = await ex.getRun(runId);
    return run.status === 'running' || run.status === 'queued' ? null : run;
  }, { timeoutMs: 20_000, what: `run ${runId} to end` });
}

describe('a program whose supervisor is killed with SIGKILL', () => {
  // Folder only: in a cluster the killed supervisor's watchdog stops its host's runs by design (never two copies; the
  // takeover is test/cluster's), so there is no live step left to adopt.
  it('keeps its live step: a new Executor adopts it (same pid, started once) and the run completes', async () => {
    const s = await startInChild();
    await killChild(s);
    expect(pidAlive(s.waitPid)).toBe(true);

    const ex = kit.open(s.folder);
    const before = await ex.getRun(s.runId);
    expect(before).toMatchObject({ runId: s.runId, task: 'etl', status: 'running', step: 1, trigger: 'manual' });
    expect(before.steps.map((st) => st.name)).toEqual(STEPS);
    expect(before.steps.map((st) => st.status)).toEqual(['completed', 'running', 'pending']);
    expect(before.steps[1]!.pid).toBe(s.waitPid);

    // The dead holder's lease is taken over once unrefreshed for 2 s (docs/folder-format.md): retry until then.
    await waitUntil(async () => supervising(ex, kit.supervise(ex, { sleep: 1 })).then(() => true, (error: unknown) => {
      expect(error).toBeInstanceOf(LeaseHeldError);
      return false;
    }), { timeoutMs: 15_000, intervalMs: 250, what: 'the new supervisor to take the lease over' });
    await ex.tick(); // one more full pass of the new supervisor over the live step
    const adopted = await ex.getRun(s.runId);
    expect(adopted).toMatchObject({ status: 'running', step: 1 });
    expect(adopted.steps[1]).toMatchObject({ status: 'running', pid: s.waitPid });
    expect(pidAlive(s.waitPid)).toBe(true);
    expect(starts(s.countDir, 'wait')).toHaveLength(1);

    writeFileSync(s.go, '');
    const done = await ended(ex, s.runId);
    expect(done).toMatchObject({ status: 'succeeded', erroredAt: null, stepRetryCount: 0 });
    expect(done.finishedAt).not.toBeNull();
    expect(done.steps.map((st) => st.status)).toEqual(['completed', 'completed', 'completed']);
    expect(done.steps[1]).toMatchObject({ pid: s.waitPid, exitCode: 0, signal: null, retries: 0 });
    for (const step of STEPS) expect(starts(s.countDir, step), step).toHaveLength(1);
    expect(starts(s.countDir, 'wait')[0]!.attempt).toBe(0);
    expect(existsSync(path.join(s.countDir, 'overlap'))).toBe(false);
  });

  it('re-runs a step killed with it, once, from its checkpoint (attempt 1, not a retry); earlier steps are not re-run', async () => {
    const s = await startInChild();
    const recorded = ledger(s.folder, 'etl').find((r) => r.runId === s.runId)!;
    expect(recorded.steps[1]).toMatchObject({ status: 'running', pid: s.waitPid });
    const [firstRun] = starts(s.countDir, 'wait');
    await killChild(s);
    process.kill(-s.waitPid, 'SIGKILL'); // the step's whole session: no exit status can be written
    await waitUntil(() => !pidAlive(s.waitPid) && !pidAlive(firstRun!.pid), { what: 'the wait step to die' });
    const runDir = path.join(s.folder, 'runs', 'etl', s.runId);
    expect(existsSync(path.join(runDir, 'wait.0.exit'))).toBe(false);

    const ex = kit.open(s.folder);
    await waitUntil(async () => {
      await ex.tick();
      return starts(s.countDir, 'wait').length >= 2;
    }, { timeoutMs: 15_000, what: 'tick() to re-run the wait step' });
    const rerun = await ex.getRun(s.runId);
    expect(rerun).toMatchObject({ status: 'running', step: 1, stepRetryCount: 0 });
    expect(rerun.steps.map((st) => st.status)).toEqual(['completed', 'running', 'pending']);
    expect(rerun.steps[1]!.retries).toBe(0);
    expect(rerun.steps[1]!.pid).not.toBe(s.waitPid);
    expect(starts(s.countDir, 'wait').map((st) => st.attempt)).toEqual([0, 1]);
    const saw = readFileSync(path.join(s.countDir, 'wait.saw'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
    expect(saw).toEqual([{ attempt: 0, seen: null }, { attempt: 1, seen: { attempt: 0, done: 'half' } }]);

    writeFileSync(s.go, '');
    const done = await ended(ex, s.runId, () => ex.tick());
    expect(done).toMatchObject({ status: 'succeeded', erroredAt: null });
    expect(done.steps.map((st) => st.status)).toEqual(['completed', 'completed', 'completed']);
    expect(done.steps[1]).toMatchObject({ exitCode: 0, retries: 0 });
    expect(starts(s.countDir, 'first')).toHaveLength(1);
    expect(starts(s.countDir, 'wait')).toHaveLength(2);
    expect(starts(s.countDir, 'last')).toHaveLength(1);
    expect(existsSync(path.join(s.countDir, 'overlap'))).toBe(false);
  });
});
