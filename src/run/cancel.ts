// cancelRun: end one run (queued, waiting between steps, or live) and record it as cancelled.
import { dropQueuedSecrets } from '../task/secrets.js';
import type { Runtime } from '../runtime.js';
import { runNotFound } from '../task/suggest.js';
import type { CurrentRun, QueuedRun, RunRecord, TaskRecord } from '../store/records.js';
import { cancelJob, waitUntilTaken } from '../cluster/jobs.js';
import { clusterOf } from '../cluster/pg-store.js';
import { announceExit, closeRun, finalizeRun, liveRuns, type Finalized } from './close.js';
import { assertRunId, findRun } from './find.js';
import { isWaiting, ownSpawn, runLive } from './own.js';
import { isRemote } from './remote.js';
import { awaitRemoteClose } from './remote-close.js';
import { droppedRecord } from './query.js';
import { stopRun } from './tree.js';

type Marked = { kind: 'live'; run: CurrentRun } | { kind: 'closed'; done: Finalized | null } | { kind: 'dropped'; ledger: RunRecord } | { kind: 'gone' };

// Under the task's lock: drop a queued run, close a run that has no process, or mark a live one for its kill.
async function mark(rt: Runtime, record: TaskRecord | null, runId: string): Promise<{ record: TaskRecord | null; result: Marked; sideWrites?: Promise<unknown>[] }> {
  if (!record) return { record: null, result: { kind: 'gone' } };
  const queued = record.state.queue.find((q) => q.runId === runId);
  if (queued) {
    const done = droppedRecord(record, queued, new Date(rt.now()).toISOString());
    return { record: { ...record, state: { ...record.state, queue: record.state.queue.filter((q) => q.runId !== runId) } }, result: { kind: 'dropped', ledger: done }, sideWrites: [rt.store.writeRun(done)] };
  }
  const live = liveRuns(record).find((r) => r.runId === runId);
  if (!live) return { record: null, result: { kind: 'gone' } };
  if (live.kill === 'cancel') return { record: null, result: { kind: 'live', run: live } };
  const marked: CurrentRun = { ...live, kill: 'cancel', stopRequested: true };
  const swap = (r: CurrentRun): CurrentRun => (r.runId === runId ? marked : r);
  const next = { ...record, state: { ...record.state, run: record.state.run ? swap(record.state.run) : null, extraRuns: record.state.extraRuns.map(swap) } };
  if (isWaiting(marked) || !runLive(rt, marked)) {
    const done = await finalizeRun(rt, next, null, marked);
    return { record: done?.record ?? next, result: { kind: 'closed', done }, sideWrites: done ? [done.ledgerWrite] : [] };
  }
  return { record: next, result: { kind: 'live', run: marked } };
}

/** Beyond a dead claimer's leaseTime, how long a cancel waits for its claim to go back, ms. */
const CLAIM_WAIT_MARGIN_MS = 10_000;

// Cluster mode: a run handed to the hosts and not claimed yet is dropped from the jobs table and recorded as cancelled;
// null when a host claimed it meanwhile (then it is in its task's record within a pass: cancelled there).
async function cancelHanded(rt: Runtime, name: string, queued: QueuedRun): Promise<RunRecord | null> {
  const { db } = clusterOf(rt.store)!;
  // Claimed: its host takes it in within a pass, or dies and its claim goes back (then it is dropped here).
  let dropped = await cancelJob(db, queued.runId);
  if (!dropped) {
    if (await waitUntilTaken(db, queued.runId, db.config.leaseTimeMs + CLAIM_WAIT_MARGIN_MS)) return null;
    dropped = await cancelJob(db, queued.runId);
    if (!dropped) return null;
  }
  const record = await rt.store.readTask(name);
  const done = record === null ? null : droppedRecord(record, queued, new Date(rt.now()).toISOString());
  if (done === null) return null;
  await rt.store.writeRun(done);
  dropQueuedSecrets(rt, name, queued.runId);
  rt.log(`Cancelled the queued run ${queued.runId} of ${name}`);
  return done;
}

/**
 * Cancels run `runId`: a queued run is dropped, a live one has its whole tree stopped (a program's later steps are
 * left `unprocessed`). Resolves with the run's record once it is recorded as cancelled; an ended run's record as is.
 */
export async function cancelRun(rt: Runtime, runId: unknown): Promise<RunRecord> {
  assertRunId(runId);
  const found = await findRun(rt, runId);
  if (!found) throw await runNotFound(rt, runId);
  if (found.ledger?.endedAt) return found.ledger;
  if (found.handed !== undefined) {
    const dropped = await cancelHanded(rt, found.name, found.queued!);
    if (dropped) return dropped;
  }
  const marked = await rt.store.mutateTask(found.name, (record) => mark(rt, record, runId));
  if (marked.kind === 'dropped') {
    dropQueuedSecrets(rt, found.name, runId); // its secret env, kept outside the folder, goes with it
    rt.log(`Cancelled the queued run ${runId} of ${found.name}`);
    return marked.ledger;
  }
  if (marked.kind === 'closed' && marked.done) announceExit(rt, marked.done);
  if (marked.kind === 'live') {
    rt.log(`Cancelling run ${runId} of ${found.name} (pid: ${marked.run.pid})`);
    if (isRemote(rt, marked.run)) await awaitRemoteClose(rt, found.name, runId); // its host stops it (cluster)
    await stopRun(rt, marked.run);
    const own = ownSpawn(rt, marked.run);
    await closeRun(rt, found.name, runId, own ? await own.awaitExit() : null, marked.run.pid);
  }
  rt.nudge(); // a queued run may start now
  const ledger = await rt.store.readRun(found.name, runId);
  if (!ledger) throw await runNotFound(rt, runId);
  return ledger;
}
