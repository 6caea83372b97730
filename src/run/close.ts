// Closing a run: record how it ended, exactly once, whichever path (exit event, poll, stop) gets there first.
import { join } from 'node:path';
import type { ExitEvent } from '../events.js';
import { endedAt as recordedEnd, UPTIME_RESOLUTION_MS } from '../process/clock.js';
import { readStatusFile, type RunExit } from '../process/spawn.js';
import { limitKillOf } from '../process/limit-cause.js';
import { stepStatusOf } from '../program/files.js';
import { lastErrorLine } from '../program/error-line.js';
import { lastErrorLineSync } from './error-line-sync.js';
import { pendingSteps, programView, withStep } from '../program/ledger.js';
import { endOf, settleStep, type Settled, type StepNotice } from '../program/settle.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, RunRecord, TaskRecord, TaskStatus } from '../store/records.js';
import { isPeriodic } from '../store/records.js';
import { holdAlerts, raiseAlerts, withTail, type PendingAlert } from './alerts.js';
import { appendFooterSync } from './footer-sync.js';
import { runFooter } from './header.js';
import { pruneRuns } from './prune-runs.js';
import { announceStepEnd, wakeWaiting } from './step-notice.js';
import { ledgerOf } from './launch.js';
import { ownSpawn, runLive } from './own.js';
import { isRemote } from './remote.js';
import { keepRunTail } from '../cluster/run-tail.js';
import { runLeftovers, stopRun } from './tree.js';
import { fireChain } from '../chain/fire.js';
import { fetchUpstreamNote, readUpstreamNote } from '../chain/note.js';
import { recordChain } from '../chain/record.js';

/** A record with its run closed, and the `exit` event to emit. */
export interface Finalized {
  record: TaskRecord;
  /** The `exit` event, or null when a program run goes on (to its next step or attempt). */
  event: ExitEvent | null;
  /** The program step that ended, if the run is a program. */
  step: { name: string; runId: string; notice: StepNotice } | null;
  /** The run ledger write (and footer), to be awaited with the task record's (see `Mutation.sideWrites`). */
  ledgerWrite: Promise<void>;
  /** Alerts to raise once the record is written. */
  alerts: PendingAlert[];
  /** The chain file the close wrote (its end fires tasks' `after`), started once the record is written; else absent or null. */
  chain?: string | null;
}

function statusAfter(record: TaskRecord, run: CurrentRun, exit: RunExit, userStopped: boolean, failed: boolean): TaskStatus {
  if (userStopped) return 'stopped';
  const { task, state } = record;
  // A cancelled run (cancelRun) ends only itself: a schedule goes on, a one-off run leaves the task as it was.
  if (run.kill === 'cancel') return run.resumeStatus ?? (isPeriodic(task) && state.status !== 'stopped' ? 'scheduled' : 'stopped');
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
    const at = ledger.step !== null ? ` at step ${ledger.steps[ledger.step]?.name ?? ledger.step}` : '';
    return { failing: true, alerts: [{ kind: 'failure', name, runId: ledger.runId, run: ledger, reason: `${name}${at} ${how}${ledger.killedFor === 'memory' ? ' (over maxMemory)' : ''}`, taskAlert }] };
  }
  if (!record.state.failing) return { failing: false, alerts: [] };
  return { failing: false, alerts: [{ kind: 'recovered', name, runId: ledger.runId, run: ledger, reason: `${name} succeeded after failing`, taskAlert }] };
}

type Ended = Extract<Settled, { kind: 'end' }>;

/** Closes run `run` of `record` (the main run or an extra one; call under the task's lock). `exit` null = read the shim's status file. */
export async function finalizeRun(rt: Runtime, record: TaskRecord, exit: RunExit | null, run: CurrentRun | null = record.state.run): Promise<Finalized | null> {
  if (!run) return null;
  if (run.program) {
    const settled = await settleStep(rt, record, run, exit);
    if (!settled) return null;
    if (settled.kind === 'continue') return continued(rt, record, run, settled);
    return closeWith(rt, record, run, settled.result, settled.exitUnknown, settled);
  }
  const known = exit ?? readStatusFile(rt.store.statusFile(record.task.name, run.runId));
  return closeWith(rt, record, run, known ?? { exitCode: null, signal: null }, known === null, null);
}

// A program run going on: its cursor moved to the next step or attempt (waiting until `retryAt`), its ledger updated.
function continued(rt: Runtime, record: TaskRecord, run: CurrentRun, settled: Extract<Settled, { kind: 'continue' }>): Finalized {
  const replace = (r: CurrentRun): CurrentRun => (r.runId === run.runId ? settled.run : r);
  const state = { ...record.state, run: record.state.run ? replace(record.state.run) : null, extraRuns: record.state.extraRuns.map(replace) };
  const ledgerWrite = rt.store.writeRun(settled.ledger);
  ledgerWrite.catch(() => undefined); // awaited by the caller through sideWrites
  return { record: { ...record, state }, event: null, step: { name: record.task.name, runId: run.runId, notice: settled.notice }, ledgerWrite, alerts: [] };
}

/** Closes program run `run` as failed because its next step could not be started (script deleted, wd gone…). */
export async function failToAdvance(rt: Runtime, record: TaskRecord, run: CurrentRun, error: Error): Promise<Finalized> {
  const cursor = run.program!;
  const view = programView(record, run);
  const step = view.task.steps![cursor.step]!;
  const now = new Date(rt.now()).toISOString();
  const base = (await rt.store.readRun(record.task.name, run.runId).catch(() => null)) ?? { ...ledgerOf(record, run), steps: pendingSteps(view.task) };
  const errorMessage = `Could not start step ${step.name}: ${error.message}`;
  const ledger = { ...withStep(base, cursor.step, { status: 'failed', endedAt: now, exitCode: null, signal: null }), errorMessage };
  const notice: StepNotice = { index: cursor.step, step: step.name, verdict: 'failed', attempt: cursor.attempt, exitCode: null, signal: null, nextAt: null, errorMessage };
  return closeWith(rt, record, run, { exitCode: null, signal: null }, false, endOf(ledger, 'failed', cursor.step, null, false, now, notice));
}

// The run's ledger record as it ended.
async function endedLedger(rt: Runtime, record: TaskRecord, run: CurrentRun, base: RunRecord, program: Ended | null, failed: boolean, stopped: boolean): Promise<RunRecord> {
  if (program) return { ...program.ledger, ...base, ...pickProgram(program.ledger), status: program.status };
  const ok = !failed && !stopped;
  const errorMessage = failed ? await errorLineOf(rt, record, run) : null;
  return { ...base, status: stopped ? 'cancelled' : ok ? 'succeeded' : 'failed', finishedAt: ok ? base.endedAt : null, erroredAt: failed ? base.endedAt : null, errorMessage };
}

// A failed script run's error message, read synchronously when its last lines fit in one chunk (a restart spawns
// right after this, in the same locked step), else as programs read theirs.
async function errorLineOf(rt: Runtime, record: TaskRecord, run: CurrentRun): Promise<string | null> {
  if (isRemote(rt, run)) return null; // cluster mode: its output is on its (dead) host
  const now = lastErrorLineSync(rt.folder, run.outputFile, run.errorFile, record.task.timestamps);
  return now !== undefined ? now : lastErrorLine(rt.folder, run.outputFile, run.errorFile, record.task.timestamps);
}

// The fields of a program ledger that the script-run base must not overwrite.
function pickProgram(ledger: RunRecord): Partial<RunRecord> {
  const { createdAt, event, data, step, stepRetryCount, finishedAt, erroredAt, errorMessage, steps, saved } = ledger;
  return { createdAt, event, data, step, stepRetryCount, finishedAt, erroredAt, errorMessage, steps, saved };
}

/**
 * What a run left behind once its root is gone: processes of its group, session or marker still alive. With an unknown
 * exit (its shim was killed) they are an orphaned run (warning `ERR_ORPHANED_RUN`), stopped here, before the run is
 * recorded closed (and before a supervisor restarts it). After a known exit (a script that daemonized) they are
 * stopped by the batch reaper within about 100 ms, unless the task sets `keepOrphans`.
 */
async function reapLeftovers(rt: Runtime, record: TaskRecord, run: CurrentRun, exitUnknown: boolean): Promise<void> {
  const { name } = record.task;
  // The shim records the status before it exits: none recorded means the shim itself was killed.
  const recorded = run.program === null ? readStatusFile(rt.store.statusFile(name, run.runId)) : null;
  const shimKilled = exitUnknown || (run.program === null && recorded === null);
  if (!shimKilled) {
    // Whatever the run left was alive when it ended: a snapshot from then on shows it.
    const endedAtMs = recorded?.endedAtMs;
    const notBefore = endedAtMs === undefined ? Date.now() : endedAtMs + UPTIME_RESOLUTION_MS;
    if (record.task.keepOrphans !== true) rt.reaper.enqueue(name, run, notBefore, ownSpawn(rt, run) !== undefined);
    return;
  }
  const left = await runLeftovers(rt, run);
  if (left.length === 0) return;
  const pids = left.map((m) => m.id.pid).join(', ');
  rt.warn(`Orphaned run ${run.runId} of ${name}: its shim is gone but its processes live on (pids ${pids}); stopping them`, name, 'ERR_ORPHANED_RUN');
  await stopRun(rt, run);
}

// What the shim recorded, when it matters to tell a limit kill (a SIGKILL of a task with a CPU limit: its CPU time).
function recordedStatus(rt: Runtime, record: TaskRecord, run: CurrentRun, result: RunExit): RunExit | null {
  if (result.signal !== 'SIGKILL' || record.task.limits?.cpuSeconds === undefined) return null;
  const cursor = run.program;
  const step = cursor === null ? undefined : record.task.steps?.[cursor.step];
  if (cursor !== null && step === undefined) return null;
  const file = cursor === null ? rt.store.statusFile(record.task.name, run.runId) : join(rt.folder, stepStatusOf(record.task.name, run.runId, step!.name, cursor.attempt));
  return readStatusFile(file);
}

async function closeWith(rt: Runtime, record: TaskRecord, run: CurrentRun, result: RunExit, exitUnknown: boolean, program: Ended | null): Promise<Finalized> {
  const { name } = record.task;
  await reapLeftovers(rt, record, run, exitUnknown);
  const main = record.state.run?.runId === run.runId;
  const endedMs = recordedEnd(rt.now(), rt.realClock, Date.parse(run.startedAt), result);
  const endedAt = new Date(endedMs).toISOString();
  // Stopped by the user (stopTask), or replaced by a newer run (overlap 'replace'): neither is a failure.
  const userStopped = (run.stopRequested && run.kill === null) || (main && record.state.status === 'stopped');
  const stopped = userStopped || run.kill === 'replace' || run.kill === 'cancel';
  const failed = program ? program.status === 'failed' : !stopped && (run.kill === 'timeout' || run.kill === 'memory' || result.exitCode !== 0);
  const timedOut = run.kill === 'timeout' && (program === null || failed);
  // Killed by a kernel limit (`limits`), as far as can be known: only a run the Executor did not end itself.
  const byLimit = run.kill === null && !stopped ? limitKillOf(record.task.limits, result, recordedStatus(rt, record, run, result)) : null;
  const killedFor = run.kill ?? (byLimit ? 'limit' : null);
  const limit = byLimit?.limit ?? null;
  // A chain run's upstream (chain/note.ts): on its ledger record, and the depth of the chains its end fires.
  const upstream = run.trigger === 'chain' ? readUpstreamNote(rt.folder, name, run.runId) ?? (isRemote(rt, run) ? await fetchUpstreamNote(rt, name, run.runId) : null) : null;
  // The output is still the current file: it is archived (and the ledger updated) when the next run starts.
  const base: RunRecord = {
    ...ledgerOf(record, run), endedAt, exitCode: result.exitCode, signal: result.signal, exitUnknown, stopped, timedOut, killedFor, limit,
    ...(upstream ? { upstream } : {}),
  };
  const ledger = await endedLedger(rt, record, run, base, program, failed, stopped);
  // The chains this end fires, durable before the close is written (chain/record.ts).
  const chain = await recordChain(rt, record, run, { outcome: stopped ? null : failed ? 'failure' : 'success', exitCode: result.exitCode, data: program ? ledger.data : undefined, depth: upstream?.depth ?? 0 });
  const decided = alertsFor(record, ledger, failed, stopped);
  const remote = isRemote(rt, run); // cluster mode: a dead host's run, whose output is not here
  const alerts = remote ? decided.alerts : await withTail(rt, decided.alerts, run.outputFile); // its last lines, before its footer
  // Synchronous: the footer is in the output file before a restart (in this same locked step) archives that file.
  if (record.task.header && !program && !remote) appendFooterSync(join(rt.folder, run.outputFile), runFooter({ ...ledger }, run.startedAt, endedMs));
  const { outputFile: _o, errorFile: _e, createdAt: _c, data: _d, event: _v, saved: _s, ...patch } = ledger;
  const written = program ? rt.store.writeRun(ledger) : rt.store.updateRun(name, run.runId, patch, ledger);
  // Cluster mode: the output's last 64 KiB go with the run, readable from any host once this one is gone.
  const write = remote ? written : written.then(() => keepRunTail(rt, name, run.runId, join(rt.folder, run.outputFile)));
  holdAlerts(rt, alerts);
  const { failing } = decided;
  const last = { lastExitCode: result.exitCode, lastSignal: result.signal, lastEndedAt: endedAt, failing };
  const state = main
    ? { ...record.state, ...last, run: null, status: statusAfter(record, run, result, userStopped, failed), lastKill: killedFor }
    : { ...record.state, ...last, extraRuns: record.state.extraRuns.filter((r) => r.runId !== run.runId) };
  // Pruned after this run's own record is written, counting it as ended.
  const ledgerWrite = write.then(() => pruneRuns(rt, { ...record, state })).then(() => undefined);
  ledgerWrite.catch(() => undefined); // awaited by the caller through sideWrites
  const event: ExitEvent = {
    name, runId: run.runId, exitCode: result.exitCode, signal: result.signal,
    durationMs: endedMs - Date.parse(run.startedAt), trigger: run.trigger, stopped, timedOut, killedFor, limit,
  };
  const step = program ? { name, runId: run.runId, notice: program.notice } : null;
  return { record: { ...record, state }, event, step, ledgerWrite, alerts, chain };
}

function describeExit(e: ExitEvent): string {
  const how = e.signal ? `by signal ${e.signal}` : e.exitCode === null ? 'with an unknown status' : `with code ${e.exitCode}`;
  const limit = e.killedFor !== 'limit' ? '' : e.limit ? ` (over its ${e.limit} limit)` : ' (over a kernel limit)';
  const why = e.timedOut ? ' (timed out)' : e.killedFor === 'memory' ? ' (over maxMemory)' : e.stopped ? ' (stopped)' : limit;
  return `Exited ${e.name} (run ${e.runId}) ${how} after ${(e.durationMs / 1000).toFixed(1)} s${why}`;
}

/**
 * Emits and logs a closed run (or a program step that ended), raises its alerts, starts the chains it fired, and
 * (unless it already decided) tells the supervisor. With `wake`, a program run left waiting for its next step gets this process's wake-up.
 */
export function announceExit(rt: Runtime, done: Pick<Finalized, 'event' | 'alerts' | 'step' | 'record' | 'chain'>, notifySupervisor = true, wake = true): void {
  if (done.step) announceStepEnd(rt, done.step.name, done.step.runId, done.step.notice);
  if (done.event === null) {
    if (wake) wakeWaiting(rt, done.record);
    return;
  }
  rt.log(describeExit(done.event));
  rt.runOwners.delete(done.event.runId); // its ledger record says where it is now
  rt.emitter.emit('exit', done.event);
  raiseAlerts(rt, done.alerts);
  if (done.chain) fireChain(rt, done.chain);
  if (notifySupervisor) rt.supervisor?.onRunClosed(done.event.name);
}

/** The live runs of a record: the main run first, then the extra runs. */
export function liveRuns(record: TaskRecord): CurrentRun[] {
  return record.state.run ? [record.state.run, ...record.state.extraRuns] : [...record.state.extraRuns];
}

/**
 * Closes run `runId` of `name` if it is still live (idempotent, under the task lock). With `pid`, only while the run is
 * still on that process: a program may have moved on to its next attempt, which `exit` is not about.
 */
export async function closeRun(rt: Runtime, name: string, runId: string, exit: RunExit | null, pid?: number): Promise<ExitEvent | null> {
  const done = await rt.store.mutateTask(name, async (record) => {
    const run = record ? liveRuns(record).find((r) => r.runId === runId && (pid === undefined || r.pid === pid)) : undefined;
    // Another host's live run is closed by that host (cluster mode), never from here on a guess.
    if (!record || !run || (exit === null && isRemote(rt, run) && runLive(rt, run))) return { record: null, result: null };
    const closed = await finalizeRun(rt, record, exit, run);
    return closed ? { record: closed.record, result: closed, sideWrites: [closed.ledgerWrite] } : { record: null, result: null };
  });
  if (done) announceExit(rt, done);
  return done?.event ?? null;
}
