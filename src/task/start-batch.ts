// startAll as one batch. Under the folder's batch lock, the task locks are taken several at a time (no other batch is
// taking any, and a task lock is otherwise held alone, so nothing can wait in a cycle), each task's launch intent and
// its final record (with the run's ledger record) are written in group commits (one fsync per file, many files per
// commit), and the spawns go one at a time in between, so the writes of some tasks overlap the spawns of others. The
// intent of a run is still durable before its spawn, as for startTask.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { taskFull } from '../run/gate.js';
import { prepareScriptRun, spawnPrepared, type Launched, type LaunchRequest, type PreparedRun, type SpawnedPrepared } from '../run/launch.js';
import { stopUnrecorded } from '../run/tree.js';
import type { Runtime } from '../runtime.js';
import { GroupCommit } from '../store/batch.js';
import { groupStoreOf, type GroupStore, type HeldTask } from '../store/group.js';
import type { RunRecord, TaskRecord } from '../store/records.js';
import { announceLaunch } from '../supervisor/announce.js';
import { timingOfTask } from '../supervisor/wake.js';
import { tableDependencies } from '../deps/start.js';
import { startInOrder } from '../deps/start-all.js';
import { resetForStart, startHereOrThere, startTaskNow, type StartResult } from './lifecycle.js';
import { eachTask } from './read-options.js';

/** Task locks a batch takes at once: enough to keep its writes and spawns fed, few enough not to queue ahead of them. */
export const LOCKS_IN_FLIGHT = 8;

/** What a manual start asks for. */
const MANUAL: LaunchRequest = { trigger: 'manual', scheduledFor: null };

/** A record to write in a final commit: a launched run's record and ledger, or a record put back (spawn failed). */
interface Final { record: TaskRecord; ledger: RunRecord | null }

// The startAll row of a task that could not be started.
function errorRow(rt: Runtime, name: string, error: unknown): StartResult {
  const e = error as Error & { code?: string };
  return { id: rt.id, name, result: 'error', pid: null, error: e.message, code: e.code ?? 'ERR_UNKNOWN' };
}

/**
 * True when starting the task is one plain launch: a script task, not periodic, with no live or queued run (so no run
 * to close first and no queue to respect), and no global `maxConcurrent` (whose first-come order is kept by the
 * task-by-task path). Anything else is started by {@link startTask}.
 */
function batchable(rt: Runtime, record: TaskRecord): boolean {
  const { task, state } = record;
  return !Number.isFinite(rt.maxConcurrent) && task.steps === null && timingOfTask(task) === null
    && state.run === null && state.extraRuns.length === 0 && state.queue.length === 0 && !taskFull(record);
}

/** One startAll: its lock chain, spawn turns and group commits. */
class StartBatch {
  readonly #rt: Runtime;
  readonly #group: GroupStore;
  #free = LOCKS_IN_FLIGHT;
  readonly #waiting: (() => void)[] = [];
  readonly #held: HeldTask[] = [];
  #spawns: Promise<unknown> = Promise.resolve();
  readonly #intents: GroupCommit<TaskRecord>;
  readonly #finals: GroupCommit<Final>;

  constructor(rt: Runtime, group: GroupStore) {
    this.#rt = rt;
    this.#group = group;
    this.#intents = new GroupCommit((records) => group.publishTasks(records));
    this.#finals = new GroupCommit((items) => group.publishTasks(items.map((i) => i.record), items.flatMap((i) => (i.ledger ? [i.ledger] : []))));
  }

  // Takes the task's lock, at most LOCKS_IN_FLIGHT being taken at a time (in the order asked).
  async #hold(name: string): Promise<HeldTask> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await this.#group.holdTask(name);
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }

  // Spawns one at a time, each after a turn of the event loop (so finished writes are handed on between spawns).
  #spawn(fn: () => SpawnedPrepared): Promise<SpawnedPrepared> {
    const turn = this.#spawns.then(() => nextTurn()).then(fn);
    this.#spawns = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Starts `name`: in the batch when it is one plain launch (its lock then kept until the whole batch is done, see
   * {@link StartBatch.release}), else by startTask once its lock is let go.
   */
  async start(name: string): Promise<StartResult> {
    const held = await this.#hold(name);
    const current = held.record;
    if (current === null || !batchable(this.#rt, current)) {
      await held.release();
      return startTaskNow(this.#rt, name); // the record may have changed meanwhile: startTask reads it again
    }
    this.#held.push(held);
    const launched = await this.#launch(await prepareScriptRun(this.#rt, resetForStart(current), MANUAL));
    announceLaunch(this.#rt, launched);
    return { id: this.#rt.id, name, result: 'started', pid: launched.run.pid };
  }

  /**
   * Lets go of the locks of the tasks started in the batch, all at the end: removing a lock folder (and the records the
   * writes replaced) frees inodes, and a file system may make the next creations slower for each one freed meanwhile.
   */
  async release(): Promise<void> {
    await Promise.all(this.#held.splice(0).map((h) => h.release()));
  }

  // Intent (group commit), spawn, final record and ledger (group commit), under the task's lock.
  async #launch(prepared: PreparedRun): Promise<Launched> {
    await this.#intents.commit(prepared.intent); // durable before the spawn
    let spawned: SpawnedPrepared;
    try {
      spawned = await this.#spawn(() => spawnPrepared(this.#rt, prepared));
    } catch (error) {
      // Nothing is launching after all: the record goes back to what it was.
      await this.#finals.commit({ record: prepared.record, ledger: null }).catch(() => undefined);
      throw error;
    }
    const launched: Launched = { ...spawned.launched, ledgerWrite: Promise.resolve() };
    try {
      await this.#finals.commit({ record: launched.record, ledger: spawned.ledger });
      await Promise.all(prepared.ledgerFixes);
    } catch (error) {
      await stopUnrecorded(this.#rt, [launched]); // spawned but not recorded: no process is left untracked
      throw error;
    }
    return launched;
  }
}

/**
 * Starts every task of `names` (startAll) in dependency order (`dependsOn`: each task once the tasks it depends on are
 * ready, independent branches in parallel; see deps/start-all.ts); the tasks that may start together go as one batch,
 * the plain launches in it as described in the file comment, the others (schedules, programs, live or queued runs,
 * `maxConcurrent`) one by one by {@link startTaskNow}. One row per name, in name order; a task that cannot start gets an `'error'` row (`error`,
 * `code`), and so do the tasks that depend on it; the others go on.
 */
export async function startAllTasks(rt: Runtime, names: string[]): Promise<StartResult[]> {
  const sorted = [...names].sort();
  const group = groupStoreOf(rt.store);
  const failed = (name: string, e: { error: string; code: string }): StartResult => ({ id: rt.id, name, result: 'error', pid: null, ...e });
  const startBatch = (batch: string[]): Promise<StartResult[]> => (group === null
    ? eachTask(batch, (name) => startHereOrThere(rt, name), failed)
    : batchRows(rt, group, batch));
  const { deps, records } = await tableDependencies(rt);
  const rows = await startInOrder(rt, deps, records, sorted, { startBatch, failed });
  rt.supervisor?.onChanged();
  return rows;
}

async function batchRows(rt: Runtime, group: GroupStore, names: string[]): Promise<StartResult[]> {
  let release: () => Promise<void>;
  try {
    release = await group.holdBatch();
  } catch {
    // No batch lock (a folder problem): each start reports its own error.
    return eachTask(names, (name) => startTaskNow(rt, name), (name, e): StartResult => ({ id: rt.id, name, result: 'error', pid: null, ...e }));
  }
  try {
    const batch = new StartBatch(rt, group);
    try {
      return await Promise.all(names.map((name) => batch.start(name).catch((error: unknown) => errorRow(rt, name, error))));
    } finally {
      await batch.release();
    }
  } finally {
    await release();
  }
}
