// One reconciliation pass over the table: close dead runs, restart crashed loops, fire due schedules.
import { decideRestart } from '../restart/policy.js';
import type { Runtime } from '../runtime.js';
import { isAlive } from '../process/identity.js';
import type { RunExit } from '../process/spawn.js';
import type { RunTrigger, TaskRecord } from '../store/records.js';
import { announceExit, finalizeRun } from '../run/close.js';
import { launchRun, type Launched } from '../run/launch.js';
import { runIdentity } from '../run/stop.js';
import { lastSlotAtOrBefore, nextSlotAfter, type Schedule } from '../schedule/next.js';
import { parsePeriod } from '../schedule/period.js';
import { announceLaunch } from './announce.js';

/** A slot fired later than this after its time is recorded as a `catch-up` run. */
export const CATCH_UP_THRESHOLD_MS = 2_000;

/** What one pass did, by task name. */
export interface TickReport {
  /** True when this pass held the supervisor lease (restarts and schedules are only done then). */
  supervised: boolean;
  closed: string[];
  restarted: string[];
  fired: string[];
  skipped: string[];
  backoff: string[];
  /** Tasks whose record could not be read (the error is logged). */
  errors: string[];
  /** When the next timed action is due (epoch ms), if any. */
  nextWakeAt: number | null;
}

/** The period schedule of a task, or null. */
export function scheduleOf(record: TaskRecord): Schedule | null {
  const { period, start, timezone, addedAt } = record.task;
  if (period === null) return null;
  return { period: parsePeriod(period), anchor: Date.parse(start ?? addedAt), timezone };
}

/** When the task next needs attention (epoch ms), or null. */
export function nextWakeOf(record: TaskRecord, now: number): number | null {
  const { state } = record;
  if (state.status === 'backoff' && state.backoffUntil) return Date.parse(state.backoffUntil);
  const schedule = scheduleOf(record);
  if (!schedule || (state.status !== 'scheduled' && state.status !== 'running')) return null;
  const last = state.lastScheduledAt ? Date.parse(state.lastScheduledAt) : -Infinity;
  return nextSlotAfter(schedule, Math.max(last, now - 1));
}

function isDead(rt: Runtime, record: TaskRecord): boolean {
  const run = record.state.run;
  return run !== null && !rt.own.has(run.runId) && !isAlive(runIdentity(run));
}

function needsRestart(record: TaskRecord, now: number): boolean {
  const { task, state } = record;
  if (task.period !== null || !task.infiniteLoop || state.gaveUp || state.run) return false;
  if (state.status === 'failed' || state.status === 'succeeded') return true;
  return state.status === 'backoff' && state.backoffUntil !== null && Date.parse(state.backoffUntil) <= now;
}

function dueSlot(record: TaskRecord, now: number): number | null {
  const schedule = scheduleOf(record);
  if (!schedule || (record.state.status !== 'scheduled' && record.state.status !== 'running')) return null;
  const due = lastSlotAtOrBefore(schedule, now);
  const last = record.state.lastScheduledAt ? Date.parse(record.state.lastScheduledAt) : -Infinity;
  return due !== null && due > last ? due : null;
}

/** True when a pass must lock this task (cheap pre-check on the cached record). */
export function needsAttention(rt: Runtime, record: TaskRecord, supervise: boolean, now: number): boolean {
  if (isDead(rt, record)) return true;
  return supervise && (needsRestart(record, now) || dueSlot(record, now) !== null);
}

type Outcome = { kind: 'closed' | 'restarted' | 'fired' | 'skipped' | 'backoff' | 'gave-up' | 'none' };

// Events that describe a record are emitted only after it is written, so listeners read what they were told.
type Deferred = (() => void)[];

// Launches a run; if it cannot start (script deleted, wd gone…), the task is recorded as such instead of
// the whole locked step failing and being retried on every pass.
async function tryLaunch(rt: Runtime, record: TaskRecord, trigger: RunTrigger, due: number | null, launches: Launched[], deferred: Deferred): Promise<[TaskRecord, Outcome['kind']]> {
  try {
    const launched = await launchRun(rt, record, trigger, due);
    launches.push(launched);
    return [launched.record, due === null ? 'restarted' : 'fired'];
  } catch (error) {
    const { name, period } = record.task;
    deferred.push(() => rt.warn(`Could not start ${name}: ${(error as Error).message}`, name, (error as { code?: string }).code));
    const status = period === null ? 'failed' : 'scheduled';
    return [{ ...record, state: { ...record.state, status, backoffUntil: null, gaveUp: period === null } }, 'gave-up'];
  }
}

async function restartStep(rt: Runtime, record: TaskRecord, now: number, launches: Launched[], deferred: Deferred): Promise<[TaskRecord, Outcome['kind']]> {
  const { state } = record;
  if (state.status === 'backoff') return tryLaunch(rt, record, 'restart', null, launches, deferred);
  const decision = decideRestart({
    state: { failStreak: state.failStreak, restartTimes: state.restartTimes },
    runStartedAt: Date.parse(state.lastStartedAt ?? new Date(now).toISOString()),
    runEndedAt: Date.parse(state.lastEndedAt ?? new Date(now).toISOString()),
    now, maxRestarts: record.task.maxRestarts,
  });
  const next = { ...record, state: { ...state, failStreak: decision.state.failStreak, restartTimes: decision.state.restartTimes } };
  deferred.push(() => rt.log(`${decision.action === 'give-up' ? 'Giving up on' : 'Restart policy for'} ${record.task.name}: ${decision.reason}`));
  if (decision.action === 'give-up') {
    deferred.push(() => rt.warn(`Giving up restarting ${record.task.name}: ${decision.reason}`, record.task.name));
    return [{ ...next, state: { ...next.state, gaveUp: true } }, 'gave-up'];
  }
  if (decision.delayMs > 0) {
    const until = new Date(now + decision.delayMs).toISOString();
    deferred.push(() => rt.emitter.emit('backoff', { name: record.task.name, delayMs: decision.delayMs, until, failStreak: decision.state.failStreak, reason: decision.reason }));
    return [{ ...next, state: { ...next.state, status: 'backoff', backoffUntil: until } }, 'backoff'];
  }
  return tryLaunch(rt, next, 'restart', null, launches, deferred);
}

async function scheduleStep(rt: Runtime, record: TaskRecord, due: number, now: number, launches: Launched[], deferred: Deferred): Promise<[TaskRecord, Outcome['kind']]> {
  const marked = { ...record, state: { ...record.state, lastScheduledAt: new Date(due).toISOString() } };
  if (record.state.run) {
    const reason = 'the previous run is still running';
    deferred.push(() => rt.log(`Skipping the ${new Date(due).toISOString()} run of ${record.task.name}: ${reason}`));
    deferred.push(() => rt.emitter.emit('skip', { name: record.task.name, scheduledFor: new Date(due).toISOString(), reason }));
    return [marked, 'skipped'];
  }
  const trigger = now - due > CATCH_UP_THRESHOLD_MS ? 'catch-up' : 'schedule';
  return tryLaunch(rt, marked, trigger, due, launches, deferred);
}

/** A run this process saw exit, closed in the same locked step as the restart decision. */
export interface Closing { runId: string; exit: RunExit }

/** Reconciles one task under its lock; returns what happened. */
export async function reconcileTask(rt: Runtime, name: string, supervise: boolean, closing: Closing | null = null): Promise<Outcome['kind'][]> {
  const launches: Launched[] = [];
  const deferred: Deferred = [];
  const sideWrites: Promise<unknown>[] = [];
  const { kinds, closed } = await rt.store.mutateTask(name, async (record) => {
    if (!record) return { record: null, result: { kinds: [] as Outcome['kind'][], closed: null } };
    const now = rt.now();
    let current = record;
    const kinds: Outcome['kind'][] = [];
    let closedEvent = null;
    const closingThis = closing !== null && current.state.run?.runId === closing.runId;
    if (closingThis || isDead(rt, current)) {
      const done = await finalizeRun(rt, current, closingThis ? closing.exit : null);
      if (done) { current = done.record; closedEvent = done.event; kinds.push('closed'); sideWrites.push(done.ledgerWrite); }
    }
    if (supervise && needsRestart(current, now)) {
      const [next, kind] = await restartStep(rt, current, now, launches, deferred);
      current = next; kinds.push(kind);
    }
    const due = supervise ? dueSlot(current, now) : null;
    if (due !== null) {
      const [next, kind] = await scheduleStep(rt, current, due, now, launches, deferred);
      current = next; kinds.push(kind);
    }
    sideWrites.push(...launches.map((l) => l.ledgerWrite));
    return { record: current === record ? null : current, result: { kinds, closed: closedEvent }, sideWrites };
  });
  if (closed) announceExit(rt, closed, !supervise);
  for (const emit of deferred) emit();
  for (const launched of launches) announceLaunch(rt, launched);
  return kinds;
}
