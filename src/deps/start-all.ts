// startAll in dependency order, task by task: each task starts as soon as the tasks it depends on (among those being
// started) are ready, so independent branches never wait for each other. Starts are gathered into batches (every task
// that may start while a batch is under way goes in the next one), so a wide table still starts in a few group
// commits. A task that waits noticeably for a started dependency is marked `waiting`, with the reason (and so are the
// tasks waiting for it).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Runtime } from '../runtime.js';
import type { TaskRecord, TaskStatus } from '../store/records.js';
import { timingOfTask } from '../supervisor/wake.js';
import { sameReason } from './gate.js';
import { dependencyLevels, type DependencyMap } from './graph.js';
import { markWaiting, unmarkWaiting } from './mark.js';
import { waitReady } from './wait.js';

/** How long a task of a startAll waits for its dependencies before it is marked `waiting`, ms (a quick wait is not shown). */
export const MARK_WAITING_AFTER_MS = 50;

/** A startAll row of a task that was not started because a dependency failed. */
export interface DependencyFailure { error: string; code: string }

/** What startInOrder needs of a row. */
export interface StartRowLike { name: string; result: string; error?: string; code?: string }

/** How startInOrder starts and reports. */
export interface StartInOrder<R extends StartRowLike> {
  /** Starts a batch of tasks whose dependencies are ready; one row per name. */
  startBatch: (names: string[]) => Promise<R[]>;
  /** The row of a task not started because a dependency failed. */
  failed: (name: string, failure: DependencyFailure) => R;
}

// Starts are handed to `startBatch` one batch at a time; names that come while one runs go in the next. Before a batch
// goes, `settled()` lets the first readiness checks of the tasks just started finish, so their dependents that are
// ready at once go together (a table of levels starts in about one batch a level, not in fragments).
class Batches<R extends StartRowLike> {
  readonly #startBatch: (names: string[]) => Promise<R[]>;
  readonly #settled: () => Promise<void>;
  #pending: { name: string; done: (row: R) => void; fail: (error: unknown) => void }[] = [];
  #running = false;

  constructor(startBatch: (names: string[]) => Promise<R[]>, settled: () => Promise<void>) {
    this.#startBatch = startBatch;
    this.#settled = settled;
  }

  start(name: string): Promise<R> {
    return new Promise((done, fail) => {
      this.#pending.push({ name, done, fail });
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await nextTurn(); // every name made startable in this turn joins the batch
      while (this.#pending.length > 0) {
        await this.#settled();
        await nextTurn();
        const batch = this.#pending.splice(0);
        try {
          const rows = new Map((await this.#startBatch(batch.map((b) => b.name))).map((r) => [r.name, r]));
          for (const b of batch) {
            const row = rows.get(b.name);
            if (row === undefined) b.fail(new Error(`No start row for ${b.name}`));
            else b.done(row);
          }
        } catch (error) {
          for (const b of batch) b.fail(error);
        }
      }
    } finally {
      this.#running = false;
    }
  }
}

// The `waiting` mark of one task of a startAll. A dependency that is started but not ready yet says why (`update`); a
// wait that lasts MARK_WAITING_AFTER_MS is then marked, with the latest reason, and `onMarked` lets the tasks waiting
// for this one say so in turn (`api is waiting`). A dependency that is ready at its first check marks nothing.
class WaitMark {
  readonly #rt: Runtime;
  readonly #name: string;
  readonly #onMarked: () => void;
  #timer: NodeJS.Timeout | null = null;
  #ended = false;
  #write: Promise<void> = Promise.resolve();
  #marked = false;
  #previous: TaskStatus | null = null;
  #reason: string | null = null;

  constructor(rt: Runtime, name: string, onMarked: () => void) {
    this.#rt = rt;
    this.#name = name;
    this.#onMarked = onMarked;
  }

  async #mark(): Promise<void> {
    if (this.#ended || this.#reason === null) return;
    this.#previous = await markWaiting(this.#rt, this.#name, this.#reason);
    this.#marked = this.#previous !== null;
    if (this.#marked) this.#onMarked();
  }

  /** What the task waits for now: marked after MARK_WAITING_AFTER_MS, the reason rewritten when it really changes. */
  update(reason: string): void {
    if (this.#ended || sameReason(this.#reason, reason)) return;
    this.#reason = reason;
    this.#timer ??= setTimeout(() => { this.#write = this.#write.then(() => this.#mark()); }, MARK_WAITING_AFTER_MS);
    if (!this.#marked) return;
    this.#write = this.#write.then(() => this.#rt.store.mutateTask(this.#name, async (current) => (current?.state.status === 'waiting' && this.#reason !== null
      ? { record: { ...current, state: { ...current.state, waitingFor: this.#reason } }, result: undefined }
      : { record: null, result: undefined })).catch(() => undefined));
  }

  /** The wait is over: no mark from now on; `failed` takes the mark off again. Resolves with whether it was marked. */
  async end(failed: boolean): Promise<boolean> {
    this.#ended = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#write;
    if (failed && this.#marked) await unmarkWaiting(this.#rt, this.#name, this.#previous);
    return this.#marked;
  }
}

/**
 * Starts every task of `names` in dependency order: a task once each task of `names` it depends on is ready (its
 * `ready` check, by the dependent's `readyTimeout`, else the dependency's); independent branches in parallel. A task
 * whose dependency could not start or was not ready in time is not started (`failed` makes its row, and the rows of
 * the tasks depending on it). A table without dependencies is one batch, started exactly as before. Rows in name order.
 * @example `await startInOrder(rt, deps, records, names, { startBatch, failed })`
 */
export async function startInOrder<R extends StartRowLike>(
  rt: Runtime, deps: DependencyMap, records: ReadonlyMap<string, TaskRecord>, names: string[], how: StartInOrder<R>,
): Promise<R[]> {
  const levels = dependencyLevels(deps, names);
  if (levels.length <= 1) return how.startBatch(names);
  const level = new Map(levels.flatMap((names, i) => names.map((n) => [n, i] as const)));
  // The dependencies a task waits for: those being started, of a lower level (which cuts a cycle, were there one).
  const before = (name: string): string[] => [...new Set(deps.get(name) ?? [])].filter((d) => (level.get(d) ?? Infinity) < level.get(name)!);
  const marks = new Map<string, WaitMark>();
  const rows = new Map<string, Promise<R>>();
  const readiness = new Map<string, Promise<DependencyFailure | null>>();
  // Readiness waits whose first check is under way: a batch waits for them (see Batches).
  const checking = new Set<Promise<unknown>>();
  const batches = new Batches(how.startBatch, async () => { while (checking.size > 0) await Promise.all([...checking]); });

  const readyFor = (dep: string, dependent: string): Promise<DependencyFailure | null> => {
    const key = `${dep}\0${records.get(dependent)?.task.readyTimeoutMs ?? ''}`; // one wait per dependency and timeout
    let ready = readiness.get(key);
    if (ready === undefined) {
      ready = rowOf(dep).then(async (row) => {
        if (row.result === 'error') return { error: row.error ?? 'it could not start', code: row.code ?? 'ERR_UNKNOWN' };
        let firstCheck!: () => void;
        const first = new Promise<void>((done) => { firstCheck = done; });
        checking.add(first);
        void first.then(() => checking.delete(first));
        const tell = (reason: string): void => {
          firstCheck();
          for (const [name, mark] of marks) if (before(name).includes(dep)) mark.update(reason);
        };
        const ready = waitReady(rt, dep, dependent, tell).then(() => null, (error: Error & { code?: string }) => ({ error: error.message, code: error.code ?? 'ERR_UNKNOWN' }));
        void ready.then(firstCheck);
        return ready;
      });
      readiness.set(key, ready);
    }
    return ready;
  };

  const rowOf = (name: string): Promise<R> => {
    let row = rows.get(name);
    if (row === undefined) {
      row = (async () => {
        const first = before(name);
        const record = records.get(name);
        if (first.length > 0 && record !== undefined && timingOfTask(record.task) === null) {
          marks.set(name, new WaitMark(rt, name, () => { for (const [other, mark] of marks) if (before(other).includes(name)) mark.update(`${name} is waiting`); }));
        }
        const failures = await Promise.all(first.map((d) => readyFor(d, name)));
        const bad = failures.findIndex((f) => f !== null);
        const marked = (await marks.get(name)?.end(bad >= 0)) === true;
        marks.delete(name);
        if (bad < 0) {
          const row = await batches.start(name);
          // A supervisor may have started it first, seeing it `waiting` with its dependencies ready: this start asked for it.
          return marked && row.result === 'already running' ? { ...row, result: 'started' } : row;
        }
        return how.failed(name, { error: `Expected dependency "${first[bad]}" of "${name}" to have started, got: ${failures[bad]!.error}`, code: failures[bad]!.code });
      })();
      rows.set(name, row);
    }
    return row;
  };

  const all = await Promise.all(names.map(rowOf));
  return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
