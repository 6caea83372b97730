// Settling a program step whose process ended (under the task's lock): what it was, and what the run does next.
import { join } from 'node:path';
import { endedAt as endedAtOf } from '../process/clock.js';
import { readStatusFile, type RunExit } from '../process/spawn.js';
import { appendFooter, runFooter } from '../run/header.js';
import { ledgerOf } from '../run/launch.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, ProgramCursor, RunRecord, RunStatus, StepRecord, TaskRecord } from '../store/records.js';
import { isRemote } from '../run/remote.js';
import { copyCheckpoint, forgetCheckpoints } from './checkpoint.js';
import { lastErrorLine } from './error-line.js';
import { stepStatusOf } from './files.js';
import { markRest, pendingSteps, programView, withStep } from './ledger.js';
import { decideStep, retryDelayMs, type StepVerdict } from './outcome.js';

/** Most re-runs of a step whose exit could not be recorded (a crash or reboot mid-step), beyond its retries. */
export const MAX_RESUMES = 5;

/** What a settled step means for its run. */
export type Settled =
  | { kind: 'continue'; run: CurrentRun; ledger: RunRecord; notice: StepNotice }
  | { kind: 'end'; status: Exclude<RunStatus, 'queued' | 'running'>; result: RunExit; exitUnknown: boolean; ledger: RunRecord; notice: StepNotice };

/** A step that ended, for the log and the `step` event. */
export interface StepNotice {
  index: number;
  step: string;
  verdict: StepVerdict;
  attempt: number;
  exitCode: number | null;
  signal: string | null;
  /** When the next attempt (or the next step) starts, ISO, or null when the run ends. */
  nextAt: string | null;
  errorMessage: string | null;
}

const STEP_STATUS: Record<StepVerdict, StepRecord['status']> = {
  completed: 'completed', skipped: 'skipped', retry: 'pending', resume: 'pending', failed: 'failed', cancelled: 'cancelled',
};

// The ledger as stored, or (if it was lost) rebuilt from the run.
async function ledgerFor(rt: Runtime, record: TaskRecord, run: CurrentRun): Promise<RunRecord> {
  const stored = await rt.store.readRun(record.task.name, run.runId).catch(() => null);
  if (stored && stored.steps.length === (record.task.steps?.length ?? 0)) return stored;
  return { ...ledgerOf(record, run), steps: pendingSteps(record.task), step: run.program?.step ?? 0 };
}

function exitOf(rt: Runtime, record: TaskRecord, run: CurrentRun, cursor: ProgramCursor, exit: RunExit | null): RunExit | null {
  if (cursor.retryAt !== null) return null; // waiting: no process ran
  const step = record.task.steps![cursor.step]!;
  const recorded = readStatusFile(join(rt.folder, stepStatusOf(record.task.name, run.runId, step.name, cursor.attempt)));
  // The shim writes the status before it exits: a shim seen killed by a signal with none written was itself killed
  // (its script may live on in its process group), so the exit is unknown and the step is re-run after a clean-up.
  return recorded ?? (exit !== null && exit.signal === null ? exit : null);
}

/**
 * Settles the current step of program run `run` (`exit` null = read the step's status file). Null when there is
 * nothing to settle (the run waits for its next attempt and is not being cancelled).
 */
export async function settleStep(rt: Runtime, current: TaskRecord, run: CurrentRun, exit: RunExit | null): Promise<Settled | null> {
  const record = programView(current, run);
  const cursor = run.program!;
  const { task } = record;
  const step = task.steps![cursor.step]!;
  const cancelled = run.stopRequested;
  if (cursor.retryAt !== null && !cancelled) return null;
  const known = exitOf(rt, record, run, cursor, exit);
  const ran = cursor.retryAt === null;
  let ledger = await ledgerFor(rt, record, run);
  const prior = ledger.steps[cursor.step]!;
  const decided = decideStep({
    exitCode: known?.exitCode ?? null, signal: known?.signal ?? null, exitUnknown: ran && known === null, timedOut: run.kill === 'timeout',
    cancelled, retriesUsed: prior.retries, retries: step.retries ?? task.retries, retryExitCodes: task.retryExitCodes, skipExitCodes: task.skipExitCodes,
  });
  // A step whose exit is never recorded (its shim killed each time) is not re-run forever.
  const verdict = decided === 'resume' && cursor.attempt - prior.retries >= MAX_RESUMES ? 'failed' : decided;
  const now = rt.now();
  const endedMs = ran ? endedAtOf(now, rt.realClock, Date.parse(cursor.stepStartedAt), known) : now;
  const endedAt = new Date(endedMs).toISOString();
  const failing = verdict === 'retry' || verdict === 'failed';
  const here = ran && !isRemote(rt, run); // cluster mode: a dead host's step left its output (and checkpoint) there
  const errorMessage = failing && here ? await lastErrorLine(rt.folder, run.outputFile, run.errorFile, task.timestamps) : null;
  if (here && task.header) {
    const footer = runFooter({ exitCode: known?.exitCode ?? null, signal: known?.signal ?? null, timedOut: run.kill === 'timeout', exitUnknown: known === null }, cursor.stepStartedAt, endedMs);
    await appendFooter(join(rt.folder, run.outputFile), footer).catch(() => undefined);
  }
  const retried = verdict === 'retry' ? prior.retries + 1 : prior.retries;
  ledger = withStep(ledger, cursor.step, {
    status: STEP_STATUS[verdict], retries: retried, ...(ran ? { endedAt, exitCode: known?.exitCode ?? null, signal: known?.signal ?? null, timedOut: run.kill === 'timeout' } : {}),
  });
  ledger = { ...ledger, stepRetryCount: retried, errorMessage: errorMessage ?? ledger.errorMessage };
  const notice: StepNotice = { index: cursor.step, step: step.name, verdict, attempt: cursor.attempt, exitCode: known?.exitCode ?? null, signal: known?.signal ?? null, nextAt: null, errorMessage };
  const next = nextCursor(verdict, cursor, task.steps!.length, now, retryDelayMs(task.retryDelayMs, retried));
  if (next !== null) {
    // Cluster mode: the step's checkpoint goes into the cluster before anything runs next (on this host or another).
    if (here) await copyCheckpoint(rt, task.name, run.runId, step.name);
    if (next.step !== cursor.step) ledger = { ...ledger, step: next.step, stepRetryCount: 0 };
    notice.nextAt = next.retryAt;
    return { kind: 'continue', run: { ...run, kill: null, deadline: null, program: next }, ledger, notice };
  }
  await forgetCheckpoints(rt, task.name, run.runId); // cluster mode: the run ends, its checkpoints go
  return endOf(ledger, verdict, cursor.step, known, ran && known === null, endedAt, notice);
}

// Where the run goes after a verdict: the next step or attempt (waiting until `retryAt`), or null when it ends.
function nextCursor(verdict: StepVerdict, cursor: ProgramCursor, count: number, now: number, delayMs: number): ProgramCursor | null {
  const at = (ms: number): string => new Date(now + ms).toISOString();
  if (verdict === 'retry') return { ...cursor, attempt: cursor.attempt + 1, retryAt: at(delayMs), resume: false };
  if (verdict === 'resume') return { ...cursor, attempt: cursor.attempt + 1, retryAt: at(0), resume: true };
  if ((verdict === 'completed' || verdict === 'skipped') && cursor.step + 1 < count) {
    return { ...cursor, step: cursor.step + 1, attempt: 0, retryAt: at(0), resume: false };
  }
  return null;
}

/** How a run ends after a step's verdict: its status, exit, and ledger (later steps `unprocessed` unless it succeeded). */
export function endOf(ledger: RunRecord, verdict: StepVerdict, index: number, known: RunExit | null, exitUnknown: boolean, endedAt: string, notice: StepNotice): Extract<Settled, { kind: 'end' }> {
  if (verdict === 'completed' || verdict === 'skipped') {
    return { kind: 'end', status: 'succeeded', result: { exitCode: 0, signal: null }, exitUnknown: false, ledger: { ...ledger, finishedAt: endedAt }, notice };
  }
  const status = verdict === 'cancelled' ? 'cancelled' : 'failed';
  const rest = markRest(ledger, index, 'unprocessed');
  const result: RunExit = known ?? { exitCode: null, signal: null };
  return { kind: 'end', status, result, exitUnknown, ledger: status === 'failed' ? { ...rest, erroredAt: endedAt } : rest, notice };
}
