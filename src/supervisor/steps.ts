// The locked steps of a reconciliation: launch (or queue), restart, schedule, drain the queue.
import { dependencyGate, sameReason } from '../deps/gate.js';
import { fireTimeOf } from '../schedule/plan.js';
import { keepQueuedEnv } from '../task/secrets.js';
import { MAX_DELAY_MS, JITTER_RATIO, decideRestart } from '../restart/policy.js';
import type { PendingAlert } from '../run/alerts.js';
import type { Finalized } from '../run/close.js';
import { headMayStart, reserveSlot, taskFull } from '../run/gate.js';
import { newRunId } from '../run/ids.js';
import { launchRun, type LaunchRequest, type Launched } from '../run/launch.js';
import type { Runtime } from '../runtime.js';
import { isPeriodic, type QueuedRun, type TaskRecord } from '../store/records.js';
import { timingOfTask } from './wake.js';
import { hostRoom } from '../cluster/placement-step.js';

/** What a locked step did. */
export type StepKind = 'closed' | 'restarted' | 'fired' | 'skipped' | 'backoff' | 'gave-up' | 'queued' | 'recovered' | 'advanced' | 'waiting';

/** Collected by the steps of one locked reconciliation, acted on once the record is written. */
export interface StepContext {
  launches: Launched[];
  /** Events and logs, emitted only after the record is written so listeners read what they were told. */
  deferred: (() => void)[];
  alerts: PendingAlert[];
  /** Slots reserved under maxConcurrent, released after the write. */
  reserved: number;
  /** Runs to stop once the record is written (overlap 'replace'). */
  replace: string[];
  /** The last launch error, if a launch failed. */
  error?: Error;
  /** Program runs closed because their next step could not start (announced after the write). */
  closed: Finalized[];
  /** What gives back claims made for this step (cluster slot rows) when its record could not be written. */
  undo: (() => Promise<unknown>)[];
}

/** A fresh context. */
export function newContext(): StepContext {
  return { launches: [], deferred: [], alerts: [], reserved: 0, replace: [], closed: [], undo: [] };
}

/** A queued run for `req`, with its run id given out now. */
export function queuedRun(rt: Runtime, req: LaunchRequest, reason: QueuedRun['reason']): QueuedRun {
  const now = rt.now();
  return {
    runId: req.runId ?? newRunId(now), trigger: req.trigger, scheduledFor: req.scheduledFor === null ? null : new Date(req.scheduledFor).toISOString(),
    triggerTime: req.triggerTime ?? null, args: req.args ?? null, env: req.env ?? null, queuedAt: req.queuedAt ?? new Date(now).toISOString(), reason,
    oneOff: req.oneOff === true, seq: rt.queueSeq++, data: req.data ?? null, event: req.event ?? null,
  };
}

/** Why a run is queued, in words for the log, by its reason (a `concurrency` run says which limit it waits for). */
export const QUEUE_REASON_WORDS: Readonly<Record<QueuedRun['reason'], string>> = {
  concurrency: 'waiting for a free slot',
  overlap: 'the previous run is still running (overlap: queue)',
  'catch-up': 'an earlier missed slot runs first (catch-up)',
  replace: 'it starts once the live run is stopped (overlap: replace)',
  dependency: 'waiting for its dependencies',
};

/** Appends a queued run and announces it; `why` says in words what it waits for (default: by its reason). */
export function enqueue(rt: Runtime, record: TaskRecord, item: QueuedRun, ctx: StepContext, front = false, why = QUEUE_REASON_WORDS[item.reason]): TaskRecord {
  const queue = front ? [item, ...record.state.queue] : [...record.state.queue, item];
  ctx.deferred.push(() => {
    rt.log(`Queued a run of ${record.task.name} (${item.reason}${item.scheduledFor ? `, slot ${item.scheduledFor}` : ''}): ${why}`);
    rt.emitter.emit('queue', { name: record.task.name, runId: item.runId, reason: item.reason, queuedAt: item.queuedAt, scheduledFor: item.scheduledFor });
  });
  return { ...record, state: { ...record.state, queue } };
}

/**
 * Launches a run, or queues it when maxConcurrent is reached. If it cannot start (script deleted, wd gone…),
 * the task is recorded as such instead of the whole locked step failing and being retried on every pass.
 */
export async function launchOrQueue(rt: Runtime, record: TaskRecord, req: LaunchRequest, ctx: StepContext, dequeued: QueuedRun | null = null): Promise<[TaskRecord, StepKind]> {
  // The task's own `concurrency` first, then the Executor's `maxConcurrent`.
  const full = taskFull(record) ? `waiting for a slot under the task's concurrency (${record.task.concurrency})`
    : !(await reserveSlot(rt, dequeued)) ? `waiting for a slot under maxConcurrent (${rt.maxConcurrent})` : null;
  if (full !== null) {
    if (dequeued) return [record, 'queued'];
    const item = queuedRun(rt, req, 'concurrency');
    if (req.envKept !== true) item.env = await keepQueuedEnv(rt, record.task, item.runId, item.env); // a secret value is kept outside the folder
    return [enqueue(rt, record, item, ctx, false, full), 'queued'];
  }
  ctx.reserved++;
  try {
    const launched = await launchRun(rt, record, req);
    ctx.launches.push(launched);
    return [launched.record, req.trigger === 'restart' ? 'restarted' : 'fired'];
  } catch (error) {
    const { name } = record.task;
    ctx.error = error as Error;
    ctx.deferred.push(() => rt.warn(`Could not start ${name}: ${(error as Error).message}`, name, (error as { code?: string }).code));
    if (record.state.run) return [record, 'gave-up'];
    const periodic = isPeriodic(record.task);
    return [{ ...record, state: { ...record.state, status: periodic ? 'scheduled' : 'failed', backoffUntil: null, gaveUp: !periodic } }, 'gave-up'];
  }
}

// Backoff "reached its cap": the delay is the capped one (within its jitter).
function atCap(delayMs: number): boolean {
  return delayMs >= MAX_DELAY_MS * (1 - JITTER_RATIO);
}

/** Decides on and does the restart of a crashed loop (or a task killed over maxMemory). */
export async function restartStep(rt: Runtime, record: TaskRecord, now: number, ctx: StepContext): Promise<[TaskRecord, StepKind]> {
  const { state, task } = record;
  if (state.status === 'backoff') return launchOrQueue(rt, record, { trigger: 'restart', scheduledFor: null }, ctx);
  const decision = decideRestart({
    state: { failStreak: state.failStreak, restartTimes: state.restartTimes },
    runStartedAt: Date.parse(state.lastStartedAt ?? new Date(now).toISOString()),
    runEndedAt: Date.parse(state.lastEndedAt ?? new Date(now).toISOString()),
    now, maxRestarts: task.maxRestarts,
  });
  const next = { ...record, state: { ...state, failStreak: decision.state.failStreak, restartTimes: decision.state.restartTimes } };
  ctx.deferred.push(() => rt.log(`${decision.action === 'give-up' ? 'Giving up on' : 'Restart policy for'} ${task.name}: ${decision.reason}`));
  const loopAlert = (reason: string): PendingAlert => ({ kind: 'restart-loop', name: task.name, runId: state.lastRunId, run: null, reason, taskAlert: task.alert });
  if (decision.action === 'give-up') {
    ctx.deferred.push(() => rt.warn(`Giving up restarting ${task.name}: ${decision.reason}`, task.name));
    ctx.alerts.push(loopAlert(`${task.name}: ${decision.reason}`));
    return [{ ...next, state: { ...next.state, gaveUp: true } }, 'gave-up'];
  }
  if (decision.delayMs > 0) {
    const until = new Date(now + decision.delayMs).toISOString();
    ctx.deferred.push(() => rt.emitter.emit('backoff', { name: task.name, delayMs: decision.delayMs, until, failStreak: decision.state.failStreak, reason: decision.reason }));
    if (atCap(decision.delayMs)) ctx.alerts.push(loopAlert(`${task.name} is in a restart loop: ${decision.reason}`));
    return [{ ...next, state: { ...next.state, status: 'backoff', backoffUntil: until } }, 'backoff'];
  }
  return launchOrQueue(rt, next, { trigger: 'restart', scheduledFor: null }, ctx);
}

/** True when a scheduled run of the task is held for its dependencies (queued with reason `dependency`). */
export function isHeld(record: TaskRecord): boolean {
  return record.state.queue.some((q) => q.reason === 'dependency');
}

/**
 * Records that a scheduled run of the task is held for its dependencies (why: `why`, e.g. `db is stopped`): the task is
 * `waiting` with the reason when no run is live (else it keeps its status, and waits once the run has ended).
 * @example `current = holdForDependencies(rt, current, 'db is failed', ctx);`
 */
export function holdForDependencies(rt: Runtime, record: TaskRecord, why: string, ctx: StepContext): TaskRecord {
  const { state } = record;
  ctx.deferred.push(() => rt.log(`${record.task.name} is waiting: ${why}`));
  return { ...record, state: { ...state, status: state.run === null ? 'waiting' : state.status, waitingFor: why } };
}

// A scheduled run whose task has dependencies starts only once they are all ready: until then the head is held (reason
// `dependency`) and the task `waiting`, the record rewritten only when the reason really changes. Undefined: go on.
async function dependencyHold(rt: Runtime, record: TaskRecord, head: QueuedRun, ctx: StepContext): Promise<[TaskRecord, StepKind] | null | undefined> {
  const scheduled = (head.trigger === 'schedule' || head.trigger === 'catch-up') && !head.oneOff;
  if (!scheduled || (record.task.dependsOn ?? []).length === 0) return undefined;
  const why = await dependencyGate(rt, record);
  if (why === null) return undefined;
  const { state } = record;
  const held = head.reason === 'dependency' && sameReason(state.waitingFor, why) && (state.run !== null || state.status === 'waiting');
  if (held) return null;
  const queue = [{ ...head, reason: 'dependency' as const }, ...state.queue.slice(1)];
  return [holdForDependencies(rt, { ...record, state: { ...state, queue } }, why, ctx), 'waiting'];
}

// A held slot prepared ahead of its time (the supervisor's lead) starts no earlier than its fire time.
function fireTimeAhead(rt: Runtime, record: TaskRecord, head: QueuedRun): number | undefined {
  const timing = timingOfTask(record.task);
  if (head.reason !== 'dependency' || head.scheduledFor === null || !timing) return undefined;
  const at = fireTimeOf(timing, record.task.name, Date.parse(head.scheduledFor), record.task.jitterMs);
  return at > rt.now() ? at : undefined;
}

// A scheduled task left with `queue`: once no run is held for its dependencies, no longer waiting (its schedule goes on).
function released(record: TaskRecord, queue: QueuedRun[]): TaskRecord {
  const { state } = record;
  const waiting = isPeriodic(record.task) && state.status === 'waiting' && state.run === null && !queue.some((q) => q.reason === 'dependency');
  return { ...record, state: { ...state, queue, ...(waiting ? { status: 'scheduled' as const, waitingFor: null } : {}) } };
}

/** Most queued runs one host starts in one locked pass of a task (cluster mode), so the others get their turn. */
export const DRAIN_BATCH = 8;

/**
 * Starts the first queued run when it may go (a free slot, and no live main run unless it is a `runTask` run queued
 * for a slot). Cluster mode, supervising: then the next ones too, up to {@link DRAIN_BATCH} and this host's capacity.
 */
export async function drainStep(rt: Runtime, record: TaskRecord, supervise: boolean, ctx: StepContext): Promise<[TaskRecord, StepKind] | null> {
  let drained = await drainOne(rt, record, supervise, ctx);
  if (rt.hosts === null || !supervise) return drained;
  for (let n = 1; drained !== null && drained[1] === 'fired' && n < DRAIN_BATCH; n++) {
    if ((await hostRoom(rt, ctx.launches.length)) <= 0) break;
    const more = await drainOne(rt, drained[0], supervise, ctx);
    if (more === null) break;
    drained = [more[0], more[1] === 'fired' ? 'fired' : drained[1]];
    if (more[1] !== 'fired') break;
  }
  return drained;
}

async function drainOne(rt: Runtime, record: TaskRecord, supervise: boolean, ctx: StepContext): Promise<[TaskRecord, StepKind] | null> {
  const [head, ...rest] = record.state.queue;
  const byHand = head !== undefined && (head.trigger === 'manual' || head.oneOff); // runTask, startTask, an event
  if (!head || (!supervise && !byHand)) return null;
  if (!headMayStart(record)) return null;
  if (!record.state.enabled && !byHand) {
    const slot = head.scheduledFor ?? head.queuedAt;
    ctx.deferred.push(() => {
      rt.log(`Skipping the ${slot} run of ${record.task.name}: the task is disabled`);
      rt.emitter.emit('skip', { name: record.task.name, scheduledFor: slot, reason: 'the task is disabled' });
    });
    return [released(record, rest), 'skipped'];
  }
  const held = supervise && !byHand ? await dependencyHold(rt, record, head, ctx) : undefined;
  if (held !== undefined) return held;
  const req: LaunchRequest = {
    trigger: head.trigger, scheduledFor: head.scheduledFor === null ? null : Date.parse(head.scheduledFor), runId: head.runId,
    triggerTime: head.triggerTime, args: head.args, env: head.env, queuedAt: head.queuedAt, oneOff: head.oneOff,
    data: head.data, event: head.event,
  };
  const notBefore = fireTimeAhead(rt, record, head);
  if (notBefore !== undefined) req.notBefore = notBefore;
  const from = head.reason === 'dependency' ? { ...record, state: { ...record.state, waitingFor: null } } : record;
  const [next, kind] = await launchOrQueue(rt, from, req, ctx, head);
  if (kind === 'queued') return head.reason === 'dependency' ? unheld(record, head) : null;
  return [{ ...next, state: { ...next.state, queue: next.state.queue.filter((q) => q.runId !== head.runId) } }, kind];
}

// A held run whose dependencies are ready but that finds no free slot: an ordinary run queued for one from now on.
function unheld(record: TaskRecord, head: QueuedRun): [TaskRecord, StepKind] {
  const queue = record.state.queue.map((q) => (q.runId === head.runId ? { ...q, reason: 'concurrency' as const } : q));
  return [released(record, queue), 'queued'];
}
