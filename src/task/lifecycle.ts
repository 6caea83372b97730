// addTask / removeTask / startTask: each one locked mutation of a task record.
import { checkUserAllowed } from '../process/user.js';
import { forgetSecrets, keepSecrets, separateSecrets, type SecretsSwitched } from './secrets.js';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CorruptRecordError } from '../errors.js';
import { DependentsError } from '../errors/task.js';
import { checkRelations } from '../deps/check.js';
import { markWaiting, unmarkWaiting } from '../deps/mark.js';
import { handOverStart } from '../cluster/placement-step.js';
import { ALL_HOSTS_FULL, NO_HOST_MATCHES } from '../cluster/placement.js';
import { waitHandedStart } from '../cluster/handed-start.js';
import { wakeHosts } from '../cluster/wake.js';
import { startDependencies, tableDependencies } from '../deps/start.js';
import { taskNotFound } from './suggest.js';
import { announceExit, finalizeRun, liveRuns, type Finalized } from '../run/close.js';
import { releaseSlot } from '../run/gate.js';
import { assertStartable, type Launched } from '../run/launch.js';
import { runLive } from '../run/own.js';
import { stopTaskRun } from '../run/stop.js';
import { stopTaskLeftovers, stopUnrecorded } from '../run/tree.js';
import type { Runtime } from '../runtime.js';
import { FORMAT_VERSION, initialState, type TaskRecord, type TaskSpec } from '../store/records.js';
import { announceLaunch } from '../supervisor/announce.js';
import { supervisorOf, warnUnsupervised } from '../supervisor/presence.js';
import { launchOrQueue, newContext } from '../supervisor/steps.js';
import { scheduleOn, timingOfTask } from '../supervisor/wake.js';
import { addTaskArguments, buildTaskSpec, type AddTaskOptions } from './options.js';
import { taskRow, type TaskRow } from './rows.js';

/** Result row of `startTask` / `startAll`. */
export interface StartResult {
  /** Executor id. */
  id: string;
  /** Task name. */
  name: string;
  /** What happened. `'error'` appears only in `startAll` rows (with `error` and `code`). */
  result: 'started' | 'already running' | 'scheduled' | 'queued' | 'error';
  /** Pid of the started or already running run, else null. */
  pid: number | null;
  /** Error message of an `'error'` row. */
  error?: string;
  /** Error code of an `'error'` row, e.g. `ERR_SCRIPT_NOT_FOUND`. */
  code?: string;
}

/** Registers (or, with `replace`, updates) a task. */
export async function addTask(rt: Runtime, name: unknown, script: unknown, options: AddTaskOptions | undefined): Promise<TaskRow> {
  // Secret env values never reach the folder: the record holds `***`, the values are kept apart (task/secrets.ts).
  const { spec, secrets } = separateSecrets(buildTaskSpec(name, script, options, rt.interpreters, rt.now()));
  checkUserAllowed(spec); // another user or group, asked of a non-root Executor: PermissionError, nothing written
  const replace = addTaskArguments(script, options).options?.replace === true;
  type Written = { record: TaskRecord; skipped: boolean; kept?: SecretsSwitched };
  const write = (): Promise<Written> => rt.store.mutateTask<Written>(spec.name, async (current) => {
    if (current && !replace) return { record: null, result: { record: current, skipped: true } };
    const kept = await keepSecrets(rt, spec.name, secrets); // before the record that relies on them
    const state = current ? { ...current.state } : initialState();
    if (current && scheduleOn(state)) {
      state.lastScheduledAt = lastSlotIso(spec, rt.now());
      if (timingOfTask(spec) === null && state.status === 'scheduled') state.status = 'idle';
    }
    const record: TaskRecord = { formatVersion: FORMAT_VERSION, rev: current?.rev ?? 0, updatedAt: '', task: current ? { ...spec, addedAt: current.task.addedAt } : spec, state };
    return { record, result: { record, skipped: false, kept } };
  }, { corrupt: replace ? 'absent' : 'throw' }); // replace overwrites a record that cannot be read; add alone refuses it
  const related = (spec.dependsOn ?? []).length > 0 || (spec.after ?? []).length > 0;
  // Relations are checked against the table before anything is written (names exist, no cycle; a replace too), under
  // the relations lock until the write, so two adds at once cannot close a cycle neither saw.
  const outcome = !related ? await write() : await rt.store.withRelationsLock(async () => {
    const { records } = await rt.store.table();
    checkRelations(spec, new Map([...records].map(([n, r]) => [n, r.task])));
    return write();
  });
  await outcome.kept?.settled; // the old generation of the secret values is gone (once the task lock is let go)
  if (outcome.skipped) {
    rt.warn(`Skipping ${spec.name} because a task named ${spec.name} already exists`, spec.name, 'ERR_DUPLICATE_TASK');
  } else {
    await ensureRunFolder(rt, spec.name);
    rt.log(`${replace ? 'Replacing' : 'Adding'} ${spec.name} ${spec.steps ? `(steps: ${spec.steps.map((s) => s.name).join(', ')})` : spec.script}`);
  }
  rt.supervisor?.onChanged();
  return taskRow(rt.id, outcome.record, rt.now(), null, await supervisorOf(rt));
}

// The task's run folder (runs/<name>/, where the shim writes each run's status), made when the task is added rather
// than at its first start: a start only finds it there (a launch still makes it if it went missing).
async function ensureRunFolder(rt: Runtime, name: string): Promise<void> {
  await mkdir(dirname(rt.store.statusFile(name, 'x')), { recursive: true }).catch(() => undefined);
}

/** What a schedule left to itself does not do, for the `ERR_NO_SUPERVISOR` warning. */
export const scheduleWillNotFire = (name: string): string => `${name}'s schedule will not fire`;

/**
 * The latest slot at or before `now` (ISO), so a (re)started schedule fires from the next slot on. Before the first
 * slot (a `start` in the future), 1 ms before that slot: it is then fired, or caught up, like any other.
 */
export function lastSlotIso(task: TaskSpec, now: number): string | null {
  const timing = timingOfTask(task);
  const last = timing?.lastAtOrBefore(now) ?? null;
  if (last !== null) return new Date(last).toISOString();
  const first = timing?.nextAfter(now) ?? null;
  return first === null ? null : new Date(first - 1).toISOString();
}

export type { RemoveTaskOptions } from '../deps/options.js';

/** The tasks that name `name` in their `dependsOn` or `after` (not itself), sorted. */
export async function dependentsOf(rt: Runtime, name: string): Promise<string[]> {
  const { records } = await rt.store.table();
  const out: string[] = [];
  for (const { task } of records.values()) {
    if (task.name === name) continue;
    if ((task.dependsOn ?? []).includes(name) || (task.after ?? []).some((l) => l.task === name)) out.push(task.name);
  }
  return out.sort();
}

/**
 * Removes a task: stops its tree, deletes its record and run ledger (outputs stay). A task others depend on or chain
 * after is refused (`DependentsError`, nothing changed) unless `force`.
 */
export async function removeTask(rt: Runtime, name: string, force = false): Promise<void> {
  if (!force) {
    const dependents = await dependentsOf(rt, name);
    if (dependents.length > 0) throw new DependentsError(name, dependents);
  }
  let secretsRoot: string | null = null; // the secrets store the removed record named
  for (;;) {
    // A record that cannot be read names no run: the task's marked processes are stopped, and it is removed as it is.
    await stopTaskRun(rt, name).catch(async (error: unknown) => {
      if (!(error instanceof CorruptRecordError)) throw error;
      await stopTaskLeftovers(rt, name);
    });
    // Delete only if nothing started it again meanwhile (e.g. startTask from another process); else stop again.
    const deleted = await rt.store.mutateTask(name, async (current) => {
      const alive = current ? liveRuns(current).some((run) => runLive(rt, run)) : false;
      if (alive) return { record: null, result: false };
      secretsRoot = current?.task.secretsRef?.root ?? null;
      return { record: 'delete', result: true };
    }, { corrupt: 'absent' });
    if (deleted) break;
  }
  await rt.store.deleteRuns(name);
  await forgetSecrets(rt, name, secretsRoot); // its secret values, kept outside the folder (a failure is a warning)
  rt.alertLimiter.forget(name);
  rt.log(`Removing ${name}`);
}

function adoptOneOff(record: TaskRecord, now: number): TaskRecord {
  const run = record.state.run ? { ...record.state.run, resumeStatus: null } : null;
  const lastScheduledAt = timingOfTask(record.task) ? lastSlotIso(record.task, now) : record.state.lastScheduledAt;
  return { ...record, state: { ...record.state, run, lastScheduledAt, gaveUp: false, failStreak: 0 } };
}

// A start handed to the hosts: the task waits for one (as a start by hand, it clears a give-up and a backoff).
async function markHandedOver(rt: Runtime, name: string, reason: string): Promise<void> {
  await rt.store.mutateTask(name, async (current) => {
    if (!current || (current.state.run && runLive(rt, current.state.run))) return { record: null, result: null };
    const next = resetForStart(current);
    return { record: { ...next, state: { ...next.state, status: 'waiting', waitingFor: reason } }, result: null };
  });
}

/** The record a manual start launches from: a start by hand clears a give-up, the failure streak and a backoff. */
export function resetForStart(record: TaskRecord): TaskRecord {
  return { ...record, state: { ...record.state, gaveUp: false, failStreak: 0, backoffUntil: null, waitingFor: null } };
}

/**
 * Starts a task now, or schedules it if periodic; never starts a second process. Its dependencies (`dependsOn`) are
 * started first, recursively, and waited for until ready (each by its `readyTimeout`: `ReadyTimeoutError`,
 * `ERR_WAIT_TIMEOUT`, naming the dependency); meanwhile the task is `waiting`, with the reason.
 */
export async function startTask(rt: Runtime, name: string): Promise<StartResult> {
  const record = await rt.store.readTask(name);
  if (record === null || (record.task.dependsOn ?? []).length === 0 || (record.state.run !== null && runLive(rt, record.state.run))) return startHereOrThere(rt, name, record);
  const { deps } = await tableDependencies(rt);
  let marking: Promise<TaskRecord['state']['status'] | null> = Promise.resolve(null);
  try {
    await startDependencies(rt, deps, name, (dep) => startHereOrThere(rt, dep), (reason) => {
      if (timingOfTask(record.task) === null) marking = markWaiting(rt, name, reason);
    });
  } catch (error) {
    await unmarkWaiting(rt, name, await marking);
    throw error;
  }
  const marked = (await marking) !== null;
  const result = await startHereOrThere(rt, name);
  // A supervisor may have started it first, seeing it `waiting` with its dependencies ready: this start asked for it.
  return marked && result.result === 'already running' ? { ...result, result: 'started' } : result;
}

/**
 * Starts one task (its dependencies aside). Cluster mode: a start this process hands to the supervising hosts (it does
 * not supervise, or may not run the task) marks the task waiting for the host placement picks, and waits for it to
 * start there; else {@link startTaskNow}.
 * @example `await startHereOrThere(rt, 'bot') // { result: 'started', pid: 4242, … }`
 */
export async function startHereOrThere(rt: Runtime, name: string, known?: TaskRecord | null): Promise<StartResult> {
  const record = known === undefined ? await rt.store.readTask(name) : known;
  if (record !== null && timingOfTask(record.task) === null && !(record.state.run !== null && runLive(rt, record.state.run))) {
    const reason = await handOverStart(rt, record, (why) => markHandedOver(rt, name, why));
    if (reason !== null) {
      // No live host may start it now (none matches, or all are full): it waits, and starts when one may.
      if (reason === NO_HOST_MATCHES || reason === ALL_HOSTS_FULL) return { id: rt.id, name, result: 'queued', pid: null };
      const { result, pid } = await waitHandedStart(rt, name, record.state.lastRunId);
      return { id: rt.id, name, result, pid };
    }
  }
  return startTaskNow(rt, name);
}

/** Starts one task now (its dependencies aside), or schedules it if periodic; never starts a second process. */
export async function startTaskNow(rt: Runtime, name: string): Promise<StartResult> {
  const ctx = newContext();
  let closed: Finalized | null = null;
  const result = await rt.store.mutateTask<StartResult>(name, async (current) => {
    if (!current) throw await taskNotFound(rt, name);
    assertStartable(current);
    let record = current;
    const run = record.state.run;
    if (run && runLive(rt, run)) {
      const result = { id: rt.id, name, result: 'already running' as const, pid: run.pid };
      // A one-off run (runTask) becomes the started task's run: supervised from now on.
      return { record: run.resumeStatus === null ? null : adoptOneOff(record, rt.now()), result };
    }
    if (record.state.queue.some((q) => !q.oneOff)) return { record: null, result: { id: rt.id, name, result: 'queued' as const, pid: null } };
    const sideWrites: Promise<unknown>[] = [];
    if (run) {
      const done = await finalizeRun(rt, record, null);
      if (done) { record = done.record; closed = done; sideWrites.push(done.ledgerWrite); }
      // A program run that goes on (to its next step) is still the task's run: nothing more to start.
      const still = record.state.run;
      if (still) return { record, result: { id: rt.id, name, result: 'already running' as const, pid: still.pid }, sideWrites };
    }
    if (timingOfTask(record.task)) {
      const next = resetForStart(record);
      next.state.status = 'scheduled';
      next.state.lastScheduledAt = lastSlotIso(record.task, rt.now());
      return { record: next, result: { id: rt.id, name, result: 'scheduled' as const, pid: null }, sideWrites };
    }
    const [next, kind] = await launchOrQueue(rt, resetForStart(record), { trigger: 'manual', scheduledFor: null }, ctx);
    sideWrites.push(...ctx.launches.map((l) => l.ledgerWrite));
    const launched = ctx.launches[0];
    if (kind === 'gave-up') throw ctx.error ?? new Error(`Could not start ${name}`);
    const queued = kind === 'queued' ? { ...next, state: { ...next.state, status: 'idle' as const } } : next;
    const res: StartResult = launched ? { id: rt.id, name, result: 'started', pid: launched.run.pid } : { id: rt.id, name, result: 'queued', pid: null };
    return { record: queued, result: res, sideWrites };
  }).catch(async (error: unknown) => {
    // The run was spawned but could not be recorded: stop it rather than leave a process nobody knows about.
    const orphan = ctx.launches[0] as Launched | undefined;
    if (orphan) await stopUnrecorded(rt, [orphan]);
    throw error;
  }).finally(() => releaseSlot(rt, ctx.reserved));
  if (closed) announceExit(rt, closed);
  for (const emit of ctx.deferred) emit();
  for (const launched of ctx.launches) announceLaunch(rt, launched);
  if (result.result === 'scheduled') {
    rt.log(`Scheduled: ${name}`);
    await warnUnsupervised(rt, scheduleWillNotFire, [name]);
  }
  if (result.result === 'already running') rt.log(`Already running: ${name}`);
  rt.supervisor?.onChanged();
  if (result.result === 'scheduled') await wakeHosts(rt); // cluster mode: its schedule is the hosts' to fire
  return result;
}
