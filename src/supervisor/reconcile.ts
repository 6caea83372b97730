// One reconciliation of a task under its lock: close dead runs, restart crashed loops, fire due schedules, drain the queue.
import type { RunExit } from '../process/spawn.js';
import type { Runtime } from '../runtime.js';
import { announceExit, finalizeRun, liveRuns, type Finalized } from '../run/close.js';
import { releaseSlot } from '../run/gate.js';
import { resumeKill } from '../run/kill.js';
import { stopUnrecorded } from '../run/tree.js';
import { raiseAlerts } from '../run/alerts.js';
import type { TaskRecord } from '../store/records.js';
import { announceLaunch } from './announce.js';
import { programStep } from './program-step.js';
import { announceTakeover } from './takeover.js';
import { scheduleStep } from './schedule-step.js';
import { isWaiting, runLive } from '../run/own.js';
import { isRemote } from '../run/remote.js';
import { noLiveHost, placementHere, placementWait } from '../cluster/placement-step.js';
import { sameReason } from '../deps/gate.js';
import { adoptLaunched } from '../run/adopt.js';
import { wakeWaiting } from '../run/step-notice.js';
import { dependencyStep, restartWithStep } from '../deps/supervise.js';
import { drainStep, newContext, restartStep, type StepContext, type StepKind } from './steps.js';
import { isDeadRun, needsRestart, preparable, recoveredNow, scheduleDue, timingOfTask } from './wake.js';

export { CATCH_UP_THRESHOLD_MS, needsAttention, nextWakeOf, timingOfTask } from './wake.js';
export type { StepKind } from './steps.js';

/** What one pass did, by task name. */
export interface TickReport {
  /** True when this pass held the supervisor lease (restarts and schedules are only done then). */
  supervised: boolean;
  closed: string[];
  restarted: string[];
  fired: string[];
  skipped: string[];
  backoff: string[];
  /** Tasks with a run queued in this pass (maxConcurrent, overlap or catch-up). */
  queued: string[];
  /** Tasks whose record could not be read (the error is logged). */
  errors: string[];
  /** When the next timed action is due (epoch ms), if any. */
  nextWakeAt: number | null;
}

/** A run this process saw exit, closed in the same locked step as the restart decision (`pid`: of the process that exited). */
export interface Closing { runId: string; pid: number; exit: RunExit }

// Closes every live run that has exited (or the one this process saw exit); adopts runs recorded as launching.
async function closeStep(rt: Runtime, record: TaskRecord, closing: Closing | null, closed: Finalized[], sideWrites: Promise<unknown>[]): Promise<TaskRecord> {
  let current = adoptLaunched(rt, record, sideWrites);
  for (const run of liveRuns(current)) {
    // By pid too: a program run keeps its id across steps, and a late exit of an old step must not settle the new one.
    const mine = closing !== null && run.runId === closing.runId && run.pid === closing.pid && !isWaiting(run);
    // A run stopped while it waited for a step (its stopper died before closing it) is closed here too.
    if (!mine && !isDeadRun(rt, run) && !(isWaiting(run) && run.stopRequested)) continue;
    const done = await finalizeRun(rt, current, mine ? closing.exit : null, run);
    if (done) { current = done.record; closed.push(done); sideWrites.push(done.ledgerWrite); }
  }
  return current;
}

function recoverStep(rt: Runtime, record: TaskRecord, ctx: StepContext): TaskRecord {
  const { name } = record.task;
  ctx.alerts.push({ kind: 'recovered', name, runId: record.state.run?.runId ?? null, run: null, reason: `${name} has been running stably again`, taskAlert: record.task.alert });
  return { ...record, state: { ...record.state, failing: false } };
}

async function steps(rt: Runtime, record: TaskRecord, supervise: boolean, ctx: StepContext, kinds: StepKind[], leadMs: number): Promise<TaskRecord> {
  const now = rt.now();
  let current = record;
  const ahead = now + (preparable(current) ? leadMs : 0);
  // Cluster mode: only the host the placement picks starts the task by itself (a restart, a slot, a queued run); a
  // process that does not supervise starts nothing; with no live host to pick, the task waits, saying why.
  const [launch, placed] = await placeStep(rt, current, supervise, kinds);
  current = placed;
  // Dependencies first: a restart (or a waiting start) waits until they are ready; restartWith follows their restarts.
  const held = launch ? await dependencyStep(rt, current, now, ctx, kinds) : null;
  if (held) current = held;
  else if (launch && needsRestart(current, now)) {
    const [next, kind] = await restartStep(rt, current, now, ctx);
    current = next; kinds.push(kind);
  }
  if (supervise && current.task.restartWith === true && current.state.run !== null) {
    current = restartWithStep(rt, current, (await rt.store.table({ refresh: false })).records, ctx, kinds) ?? current;
  }
  if (launch && scheduleDue(current, ahead)) {
    const [next, done] = await scheduleStep(rt, current, ahead, ctx, now);
    current = next; kinds.push(...done);
  }
  current = await programStep(rt, current, now, ctx, kinds, launch);
  // Cluster mode: queued runs are started by the host placement picks, or by any process while no host supervises.
  const drained = rt.hosts === null || launch || noLiveHost(rt) ? await drainStep(rt, current, launch, ctx) : null;
  if (drained) { current = drained[0]; kinds.push(drained[1]); }
  if (supervise && recoveredNow(current, now)) { current = recoverStep(rt, current, ctx); kinds.push('recovered'); }
  return current;
}

// Cluster mode: whether this host starts the task by itself now, and the record (marked waiting when no live host
// may run a task that is to be restarted). A folder: as supervised.
async function placeStep(rt: Runtime, record: TaskRecord, supervise: boolean, kinds: StepKind[]): Promise<[boolean, TaskRecord]> {
  if (rt.hosts === null || !supervise) return [supervise, record];
  const placement = await placementHere(rt, record);
  const wait = placementWait(placement);
  const { state } = record;
  const wantsStart = state.status === 'waiting' || needsRestart(record, rt.now());
  if (wait === null || !wantsStart || timingOfTask(record.task) !== null || sameReason(state.waitingFor, wait)) return [placement.kind === 'here', record];
  kinds.push('waiting');
  return [false, { ...record, state: { ...state, status: 'waiting', waitingFor: wait, backoffUntil: null } }];
}

/**
 * Reconciles one task under its lock; returns what happened. With `leadMs`, a slot due within that time is prepared
 * now (lock held, previous output archived) and spawned at its fire time, so the spawn is not late behind I/O; only
 * for a task with no live run and nothing queued (others are handled when the slot is due).
 */
export async function reconcileTask(rt: Runtime, name: string, supervise: boolean, closing: Closing | null = null, leadMs = 0): Promise<StepKind[]> {
  const ctx = newContext();
  const closed: Finalized[] = [];
  let kinds: StepKind[] = [];
  let written: TaskRecord | null = null;
  let seen: TaskRecord | null = null;
  rt.reconciling.set(name, (rt.reconciling.get(name) ?? 0) + 1);
  try {
    kinds = await rt.store.mutateTask(name, async (record) => {
      seen = record;
      if (!record) return { record: null, result: [] as StepKind[] };
      const sideWrites: Promise<unknown>[] = [];
      const done: StepKind[] = [];
      // Cluster mode: the main run of a dead host, closed here; the task's next start (here or by another pass) is a takeover.
      const from = record.state.run !== null && isRemote(rt, record.state.run) && !runLive(rt, record.state.run) ? record.state.run.host! : null;
      let current = await closeStep(rt, record, closing, closed, sideWrites);
      if (from !== null && current.state.run === null && record.task.infiniteLoop) current = { ...current, state: { ...current.state, downHost: from } };
      if (closed.length > 0) done.push('closed');
      current = await steps(rt, current, supervise, ctx, done, leadMs);
      const down = current.state.downHost ?? null;
      if (down !== null && current.state.run?.host === rt.host && ctx.launches.length > 0) {
        announceTakeover(rt, ctx, name, down);
        current = { ...current, state: { ...current.state, downHost: null } };
      }
      sideWrites.push(...ctx.launches.map((l) => l.ledgerWrite), ...ctx.closed.map((c) => c.ledgerWrite));
      written = current === record ? null : current;
      return { record: written, result: done, sideWrites };
    });
  } catch (error) {
    // Runs spawned but not recorded: stop them rather than leave processes nobody knows about; their slots go back.
    await stopUnrecorded(rt, ctx.launches);
    await Promise.all(ctx.undo.map((give) => give().catch(() => undefined)));
    throw error;
  } finally {
    releaseSlot(rt, ctx.reserved);
    const left = (rt.reconciling.get(name) ?? 1) - 1;
    if (left > 0) rt.reconciling.set(name, left);
    else rt.reconciling.delete(name);
  }
  for (const done of [...closed, ...ctx.closed]) announceExit(rt, done, !supervise, false);
  for (const emit of ctx.deferred) emit();
  for (const launched of ctx.launches) announceLaunch(rt, launched);
  raiseAlerts(rt, ctx.alerts);
  const after = written as TaskRecord | null;
  wakeWaiting(rt, after ?? (seen as TaskRecord | null)); // runs still waiting for a step or retry get this process's wake-up
  for (const runId of ctx.replace) {
    const run = after ? liveRuns(after).find((r) => r.runId === runId) : undefined;
    if (run) resumeKill(rt, name, run);
  }
  return kinds;
}
