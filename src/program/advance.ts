// Starting the next step (or the next attempt) of a program run that waits for it: the second half of a step change.
import type { Launched } from '../run/launch.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, TaskRecord } from '../store/records.js';
import { ledgerOf } from '../run/launch.js';
import { stopRun } from '../run/tree.js';
import { pendingSteps, programView, withStep } from './ledger.js';
import { spawnStep, type RunBase } from './spawn-step.js';

/** The fields of `run` its next step starts from. */
export function baseOf(run: CurrentRun): RunBase {
  const { runId, trigger, startedAt, scheduledFor, stopRequested, triggerTime, queuedAt, kill, resumeStatus } = run;
  return { runId, trigger, startedAt, scheduledFor, stopRequested, triggerTime, queuedAt, kill, resumeStatus };
}

/** Spawns the step `run` waits for (call under the task's lock); the record and ledger say it is running. */
export async function advanceRun(rt: Runtime, record: TaskRecord, run: CurrentRun): Promise<Launched> {
  const cursor = run.program!;
  const view = programView(record, run);
  // A re-run after a crash: whatever is left of the old attempt's process group is stopped first.
  if (cursor.resume === true) await stopRun(rt, run);
  const main = record.state.run?.runId === run.runId;
  const withRun = (r: CurrentRun): TaskRecord => {
    const swap = (x: CurrentRun): CurrentRun => (x.runId === run.runId ? r : x);
    return { ...record, state: { ...record.state, run: record.state.run ? swap(record.state.run) : null, extraRuns: record.state.extraRuns.map(swap) } };
  };
  // The step is recorded as launching before its spawn (a crash right after it leaves a record naming the run).
  const stage = (intent: CurrentRun): Promise<void> => rt.store.stageTask(withRun(intent));
  let spawnedStep;
  try {
    spawnedStep = await spawnStep(rt, view, baseOf(run), cursor.step, cursor.attempt, stage);
  } catch (error) {
    await rt.store.stageTask(record).catch(() => undefined);
    throw error;
  }
  const { run: next, spawned } = spawnedStep;
  const stored = await rt.store.readRun(record.task.name, run.runId).catch(() => null);
  const ledger = stored ?? { ...ledgerOf(record, run), steps: pendingSteps(view.task) };
  const prior = ledger.steps[cursor.step];
  // `host`: a run taken over from a dead host is recorded on this one (cluster mode).
  const updated = withStep({ ...ledger, ...(next.host === undefined ? {} : { host: next.host }), step: cursor.step, pid: next.pid, pidStartTime: next.pidStartTime, bootId: next.bootId, outputFile: next.outputFile, errorFile: next.errorFile }, cursor.step, {
    status: 'running', startedAt: prior?.startedAt ?? next.program!.stepStartedAt, endedAt: null, pid: next.pid, outputFile: next.outputFile, errorFile: next.errorFile,
  });
  const ledgerWrite = rt.store.writeRun(updated);
  ledgerWrite.catch(() => undefined); // awaited by the caller through sideWrites
  return { record: withRun(next), run: next, spawned, extra: !main, ledgerWrite };
}
