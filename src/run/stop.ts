// Stopping a task: mark it stopped first (so no supervisor undoes it), then stop every process of its runs.
// On a full or read-only disk the mark cannot be written: the processes are stopped all the same, then recorded.
import { errnoOf, NoSpaceError, ReadOnlyError } from '../fs-errors.js';
import type { Runtime } from '../runtime.js';
import { deleteUnclaimedJobs } from '../cluster/jobs.js';
import { clusterOf } from '../cluster/pg-store.js';
import type { CurrentRun, TaskRecord, QueuedRun } from '../store/records.js';
import { announceExit, closeRun, finalizeRun, liveRuns, type Finalized } from './close.js';
import { ownSpawn, runLive } from './own.js';
import { isRemote } from './remote.js';
import { awaitRemoteClose } from './remote-close.js';
import { taskNotFound } from '../task/suggest.js';
import { droppedRecord } from './query.js';
import { runLeftovers, stopRun, stopTaskLeftovers } from './tree.js';

/** Tries of recording a stop whose first write failed for lack of space (the processes are stopped meanwhile). */
export const STOP_RECORD_TRIES = 3;
/** Milliseconds before the first retry of such a write; doubled for each further one. */
export const STOP_RECORD_RETRY_MS = 200;

/** Result row of `stopTask` / `stopAll`. */
export interface StopResult {
  /** Executor id. */
  id: string;
  /** Task name. */
  name: string;
  /** `'stopped'` when a live run was stopped, `'not running'` otherwise; `'error'` only in `stopAll` rows (with `error` and `code`). */
  result: 'stopped' | 'not running' | 'error';
  /** Pid of the stopped run, else null. */
  pid: number | null;
  /** True when SIGKILL was needed after `killTimeout`. */
  forced: boolean;
  /** Error message of an `'error'` row. */
  error?: string;
  /** Error code of an `'error'` row. */
  code?: string;
}

function markStopped(record: TaskRecord): TaskRecord {
  const { state } = record;
  const status = state.status === 'idle' && state.run === null ? 'idle' : 'stopped';
  const mark = (run: CurrentRun): CurrentRun => ({ ...run, stopRequested: true });
  return { ...record, state: { ...state, status, backoffUntil: null, queue: [], run: state.run ? mark(state.run) : null, extraRuns: state.extraRuns.map(mark) } };
}

/** What the locked part of a stop found: the live runs to stop, and the dead ones it closed (whose leftovers are stopped too). */
interface StopTargets { runs: CurrentRun[]; dead: CurrentRun[]; closed: Finalized[]; keepOrphans: boolean }

const DISK_FULL_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EROFS']);
// A write that failed for lack of space or on a read-only file system (typed by the store, or raw from elsewhere).
const isDiskFull = (error: unknown): boolean => error instanceof NoSpaceError || error instanceof ReadOnlyError || DISK_FULL_CODES.has(errnoOf(error) ?? '');

// Marks the task stopped, closes its runs that already ended, and records its dropped queued runs as cancelled.
function markAndCollect(rt: Runtime, name: string): Promise<StopTargets> {
  return rt.store.mutateTask<StopTargets>(name, async (record) => {
    if (!record) throw await taskNotFound(rt, name);
    let current = markStopped(record);
    const closed: Finalized[] = [];
    const runs: CurrentRun[] = [];
    const dead: CurrentRun[] = [];
    for (const run of liveRuns(current)) {
      // A run whose shim is gone but whose processes live on (killed shim, daemons) is stopped like a live one.
      if (runLive(rt, run) || (await runLeftovers(rt, run)).length > 0) { runs.push(run); continue; }
      dead.push(run);
      const done = await finalizeRun(rt, current, null, run);
      if (done) { current = done.record; closed.push(done); }
    }
    // Dropped queued runs are recorded as cancelled, so a waitRun on one resolves.
    const endedAt = new Date(rt.now()).toISOString();
    // Cluster mode: so are the runs handed to the hosts that no host has claimed yet.
    const handed = await dropUnclaimedJobs(rt, name);
    const dropped = [...record.state.queue, ...handed].map((q) => rt.store.writeRun(droppedRecord(record, q, endedAt)));
    return { record: current, result: { runs, dead, closed, keepOrphans: record.task.keepOrphans === true }, sideWrites: [...closed.map((d) => d.ledgerWrite), ...dropped] };
  });
}

async function dropUnclaimedJobs(rt: Runtime, name: string): Promise<QueuedRun[]> {
  const cluster = clusterOf(rt.store);
  return cluster === null ? [] : deleteUnclaimedJobs(cluster.db, name);
}

// The mark could not be written (no space, read-only): the runs as the record names them, to stop before recording.
async function unmarkedTargets(rt: Runtime, name: string): Promise<StopTargets> {
  const record = await rt.store.readTask(name);
  if (!record) throw await taskNotFound(rt, name);
  return { runs: liveRuns(record).map((run) => ({ ...run, stopRequested: true })), dead: [], closed: [], keepOrphans: record.task.keepOrphans === true };
}

/** Runs `write` until it stops failing for lack of space, at most {@link STOP_RECORD_TRIES} times; rethrows the last failure. */
async function retryWrite<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!isDiskFull(error) || attempt >= STOP_RECORD_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, STOP_RECORD_RETRY_MS * 2 ** (attempt - 1)));
    }
  }
}

// Stops the runs' processes; a recorded stop then closes each run (retrying a write that fails for lack of space).
async function stopAndClose(rt: Runtime, name: string, runs: CurrentRun[], close: boolean): Promise<boolean[]> {
  const settled = await Promise.allSettled(runs.map(async (run) => {
    if (isRemote(rt, run)) { await awaitRemoteClose(rt, name, run.runId); return false; } // its host stops it (cluster)
    rt.killing.add(run.runId); // this process's supervisor leaves it to this stop
    try {
      const { forced } = await stopRun(rt, run);
      if (!close) return forced;
      const own = ownSpawn(rt, run);
      const exit = own ? await own.awaitExit() : null;
      await retryWrite(() => closeRun(rt, name, run.runId, exit, run.pid));
      return forced;
    } finally {
      rt.killing.delete(run.runId);
    }
  }));
  // Every run is stopped before a failure to record one is reported.
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<boolean>).value);
}

/**
 * Stops task `name`: every process of every live run (main and extra: tree, group, session and marked processes), and
 * what the runs that already ended left behind; resolves when all are gone and recorded. Queued runs are dropped
 * (recorded as cancelled). When the stop cannot be recorded first (no space, read-only), the processes are stopped
 * anyway, then the record is retried; if it still fails, the stop rejects with the `NoSpaceError` / `ReadOnlyError`
 * naming the file.
 */
export async function stopTaskRun(rt: Runtime, name: string): Promise<StopResult> {
  let recorded = true;
  const target = await markAndCollect(rt, name).catch((error: unknown) => {
    if (!isDiskFull(error)) throw error;
    recorded = false;
    return unmarkedTargets(rt, name);
  });
  for (const done of target.closed) announceExit(rt, done);
  rt.log(`Stopping ${name}`);
  // What ended runs left behind (a daemon, a group whose shim was killed) is stopped too.
  const leftovers = await Promise.all(target.dead.map((run) => stopRun(rt, run)));
  const forced = [...await stopAndClose(rt, name, target.runs, recorded), ...leftovers.map((l) => l.forced)];
  if (!recorded) {
    // Everything is stopped: record it now (the runs are all dead, so this closes them as stopped).
    const late = await retryWrite(() => markAndCollect(rt, name));
    for (const done of late.closed) announceExit(rt, done);
  }
  // A keepOrphans task's kept daemons are stopped too (found by the task's marker, whatever run left them).
  if (target.keepOrphans) forced.push((await stopTaskLeftovers(rt, name)).forced);
  const main = target.runs[0] ?? target.dead.find((_, i) => leftovers[i]!.signalled);
  rt.emitter.emit('stop', { name, runId: main?.runId ?? null, pid: main?.pid ?? null });
  if (!main) return { id: rt.id, name, result: 'not running', pid: null, forced: false };
  return { id: rt.id, name, result: 'stopped', pid: main.pid, forced: forced.some(Boolean) };
}
