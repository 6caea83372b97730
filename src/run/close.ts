// Closing a run: record how it ended, exactly once, whichever path (exit event, poll, stop) gets there first.
import { join } from 'node:path';
import type { ExitEvent } from '../events.js';
import { readStatusFile, type RunExit } from '../process/spawn.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, RunRecord, TaskRecord, TaskStatus } from '../store/records.js';
import { isPeriodic } from '../store/records.js';
import { holdAlerts, raiseAlerts, withTail, type PendingAlert } from './alerts.js';
import { appendFooter, runFooter } from './header.js';
import { ledgerOf } from './launch.js';

/** A record with its run closed, and the `exit` event to emit. */
export interface Finalized {
  record: TaskRecord;
  event: ExitEvent;
  /** The run ledger write (and footer), to be awaited with the task record's (see `Mutation.sideWrites`). */
  ledgerWrite: Promise<void>;
  /** Alerts to raise once the record is written. */
  alerts: PendingAlert[];
}

function statusAfter(record: TaskRecord, run: CurrentRun, exit: RunExit, userStopped: boolean, failed: boolean): TaskStatus {
  if (userStopped) return 'stopped';
  const { task, state } = record;
  // A one-off run (runTask) of a loop or schedule leaves the task as it found it: no restart, no schedule turned on.
  if (run.resumeStatus !== null && (task.infiniteLoop || isPeriodic(task))) return run.resumeStatus;
  if (isPeriodic(task) && state.status !== 'stopped') return 'scheduled';
  return exit.exitCode === 0 && !failed ? 'succeeded' : 'failed';
}

// Alerts and the `failing` flag: a failure raises 'failure'; the first success after one raises 'recovered'.
function alertsFor(record: TaskRecord, ledger: RunRecord, failed: boolean, stopped: boolean): { failing: boolean; alerts: PendingAlert[] } {
  const { name } = record.task;
  const taskAlert = record.task.alert;
  if (stopped) return { failing: record.state.failing, alerts: [] };
  if (failed) {
    const how = ledger.timedOut ? 'timed out' : ledger.signal ? `was killed by ${ledger.signal}` : ledger.exitCode === null ? 'ended with an unknown status' : `exited with code ${ledger.exitCode}`;
    return { failing: true, alerts: [{ kind: 'failure', name, runId: ledger.runId, run: ledger, reason: `${name} ${how}${ledger.killedFor === 'memory' ? ' (over maxMemory)' : ''}`, taskAlert }] };
  }
  if (!record.state.failing) return { failing: false, alerts: [] };
  return { failing: false, alerts: [{ kind: 'recovered', name, runId: ledger.runId, run: ledger, reason: `${name} succeeded after failing`, taskAlert }] };
}

/** Closes run `run` of `record` (the main run or an extra one; call under the task's lock). `exit` null = read the shim's status file. */
export async function finalizeRun(rt: Runtime, record: TaskRecord, exit: RunExit | null, run: CurrentRun | null = record.state.run): Promise<Finalized | null> {
  if (!run) return null;
  const { name } = record.task;
  const main = record.state.run?.runId === run.runId;
  const known = exit ?? readStatusFile(rt.store.statusFile(name, run.runId));
  const result: RunExit = known ?? { exitCode: null, signal: null };
  const endedMs = rt.now();
  const endedAt = new Date(endedMs).toISOString();
  // Stopped by the user (stopTask), or replaced by a newer run (overlap 'replace'): neither is a failure.
  const userStopped = (run.stopRequested && run.kill === null) || (main && record.state.status === 'stopped');
  const stopped = userStopped || run.kill === 'replace';
  const timedOut = run.kill === 'timeout';
  const failed = !stopped && (timedOut || run.kill === 'memory' || result.exitCode !== 0);
  // The output is still the current file: it is archived (and the ledger updated) when the next run starts.
  const ledger: RunRecord = {
    ...ledgerOf(record, run), endedAt, exitCode: result.exitCode, signal: result.signal, exitUnknown: known === null, stopped,
    timedOut, killedFor: run.kill,
  };
  const decided = alertsFor(record, ledger, failed, stopped);
  const alerts = await withTail(rt, decided.alerts, run.outputFile); // the run's own last lines, before its footer
  const footer = record.task.header ? appendFooter(join(rt.folder, run.outputFile), runFooter({ ...ledger }, run.startedAt, endedMs)).catch(() => undefined) : null;
  const ledgerWrite = Promise.all([rt.store.writeRun(ledger), footer]).then(() => undefined);
  ledgerWrite.catch(() => undefined); // awaited by the caller through sideWrites
  holdAlerts(rt, alerts);
  const { failing } = decided;
  const last = { lastExitCode: result.exitCode, lastSignal: result.signal, lastEndedAt: endedAt, failing };
  const state = main
    ? { ...record.state, ...last, run: null, status: statusAfter(record, run, result, userStopped, failed), lastKill: run.kill }
    : { ...record.state, ...last, extraRuns: record.state.extraRuns.filter((r) => r.runId !== run.runId) };
  const event: ExitEvent = {
    name, runId: run.runId, exitCode: result.exitCode, signal: result.signal,
    durationMs: endedMs - Date.parse(run.startedAt), trigger: run.trigger, stopped, timedOut, killedFor: run.kill,
  };
  return { record: { ...record, state }, event, ledgerWrite, alerts };
}

function describeExit(e: ExitEvent): string {
  const how = e.signal ? `by signal ${e.signal}` : e.exitCode === null ? 'with an unknown status' : `with code ${e.exitCode}`;
  const why = e.timedOut ? ' (timed out)' : e.killedFor === 'memory' ? ' (over maxMemory)' : e.stopped ? ' (stopped)' : '';
  return `Exited ${e.name} (run ${e.runId}) ${how} after ${(e.durationMs / 1000).toFixed(1)} s${why}`;
}

/** Emits and logs a closed run, raises its alerts, and (unless it already decided) tells the supervisor. */
export function announceExit(rt: Runtime, done: Pick<Finalized, 'event' | 'alerts'>, notifySupervisor = true): void {
  rt.log(describeExit(done.event));
  rt.emitter.emit('exit', done.event);
  raiseAlerts(rt, done.alerts);
  if (notifySupervisor) rt.supervisor?.onRunClosed(done.event.name);
}

/** The live runs of a record: the main run first, then the extra runs. */
export function liveRuns(record: TaskRecord): CurrentRun[] {
  return record.state.run ? [record.state.run, ...record.state.extraRuns] : [...record.state.extraRuns];
}

/** Closes run `runId` of `name` if it is still live (idempotent, under the task lock). */
export async function closeRun(rt: Runtime, name: string, runId: string, exit: RunExit | null): Promise<ExitEvent | null> {
  const done = await rt.store.mutateTask(name, async (record) => {
    const run = record ? liveRuns(record).find((r) => r.runId === runId) : undefined;
    if (!record || !run) return { record: null, result: null };
    const closed = await finalizeRun(rt, record, exit, run);
    return closed ? { record: closed.record, result: closed, sideWrites: [closed.ledgerWrite] } : { record: null, result: null };
  });
  if (done) announceExit(rt, done);
  return done?.event ?? null;
}
