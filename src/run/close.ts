// Closing a run: record how it ended, exactly once, whichever path (exit event, poll, stop) gets there first.
import type { ExitEvent } from '../events.js';
import { currentOutputFileName } from '../output/archive.js';
import { readStatusFile, type RunExit } from '../process/spawn.js';
import type { Runtime } from '../runtime.js';
import type { TaskRecord, TaskStatus } from '../store/records.js';

/** A record with its run closed, and the `exit` event to emit. */
export interface Finalized {
  record: TaskRecord;
  event: ExitEvent;
  /** The run ledger write, to be awaited with the task record's (see `Mutation.sideWrites`). */
  ledgerWrite: Promise<void>;
}

function statusAfter(record: TaskRecord, exit: RunExit, stopped: boolean): TaskStatus {
  if (stopped) return 'stopped';
  if (record.task.period !== null && record.state.status !== 'stopped') return 'scheduled';
  return exit.exitCode === 0 ? 'succeeded' : 'failed';
}

/** Closes the current run of `record` (call under the task's lock). `exit` null = read the shim's status file. */
export async function finalizeRun(rt: Runtime, record: TaskRecord, exit: RunExit | null): Promise<Finalized | null> {
  const run = record.state.run;
  if (!run) return null;
  const { name } = record.task;
  const known = exit ?? readStatusFile(rt.store.statusFile(name, run.runId));
  const result: RunExit = known ?? { exitCode: null, signal: null };
  const endedMs = rt.now();
  const endedAt = new Date(endedMs).toISOString();
  const stopped = run.stopRequested || record.state.status === 'stopped';
  // The output is still the current file: it is archived (and the ledger updated) when the next run starts.
  const ledgerWrite = rt.store.writeRun({
    formatVersion: record.formatVersion, runId: run.runId, task: name, trigger: run.trigger, scheduledFor: run.scheduledFor,
    startedAt: run.startedAt, pid: run.pid, pidStartTime: run.pidStartTime, bootId: run.bootId, outputFile: currentOutputFileName(name),
    endedAt, exitCode: result.exitCode, signal: result.signal, exitUnknown: known === null, stopped,
  });
  ledgerWrite.catch(() => undefined); // awaited by the caller through sideWrites
  const state = {
    ...record.state, run: null, status: statusAfter(record, result, stopped),
    lastExitCode: result.exitCode, lastSignal: result.signal, lastEndedAt: endedAt,
  };
  const event: ExitEvent = {
    name, runId: run.runId, exitCode: result.exitCode, signal: result.signal,
    durationMs: endedMs - Date.parse(run.startedAt), trigger: run.trigger, stopped,
  };
  return { record: { ...record, state }, event, ledgerWrite };
}

function describeExit(e: ExitEvent): string {
  const how = e.signal ? `by signal ${e.signal}` : e.exitCode === null ? 'with an unknown status' : `with code ${e.exitCode}`;
  return `Exited ${e.name} (run ${e.runId}) ${how} after ${(e.durationMs / 1000).toFixed(1)} s${e.stopped ? ' (stopped)' : ''}`;
}

/** Emits and logs a closed run, and (unless it already decided) tells the supervisor. */
export function announceExit(rt: Runtime, event: ExitEvent, notifySupervisor = true): void {
  rt.log(describeExit(event));
  rt.emitter.emit('exit', event);
  if (notifySupervisor) rt.supervisor?.onRunClosed(event.name);
}

/** Closes run `runId` of `name` if it is still the current run (idempotent, under the task lock). */
export async function closeRun(rt: Runtime, name: string, runId: string, exit: RunExit | null): Promise<ExitEvent | null> {
  const event = await rt.store.mutateTask(name, async (record) => {
    if (!record || record.state.run?.runId !== runId) return { record: null, result: null };
    const done = await finalizeRun(rt, record, exit);
    return done ? { record: done.record, result: done.event, sideWrites: [done.ledgerWrite] } : { record: null, result: null };
  });
  if (event) announceExit(rt, event);
  return event;
}
