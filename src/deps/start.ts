// Start order: a task's dependencies are started first (recursively) and waited for until ready; startAll goes level
// by level. Starting one task is passed in (`StartOne`), so this module sits below task/lifecycle.ts.
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import { dependencyLevels, dependencyMap, inOrder, type DependencyMap } from './graph.js';
import { waitReady } from './wait.js';

/** Starts one task, its dependencies aside; resolves with its row. */
export type StartOne<R> = (name: string) => Promise<R>;

/** The dependency map of the table (its readable records). */
export async function tableDependencies(rt: Runtime): Promise<{ deps: Map<string, readonly string[]>; records: ReadonlyMap<string, TaskRecord> }> {
  const { records } = await rt.store.table();
  return { deps: dependencyMap([...records.values()].map((r) => r.task)), records };
}

/**
 * Starts every dependency of `name` (theirs first, independent ones in parallel) and waits until each is ready; rejects
 * with the first failure (a dependency that could not start, or a `ReadyTimeoutError`). `onWaiting` hears the first
 * reason `name` waits for.
 * @example `await startDependencies(rt, deps, 'api', (n) => startOne(rt, n))`
 */
export async function startDependencies(rt: Runtime, deps: DependencyMap, name: string, startOne: StartOne<unknown>, onWaiting?: (reason: string) => void): Promise<void> {
  const started = new Map<string, Promise<void>>();
  let told = false;
  const tell = (reason: string): void => { if (!told) { told = true; onWaiting?.(reason); } };
  const ready = (dep: string, chain: readonly string[]): Promise<void> => {
    let done = started.get(dep);
    if (done === undefined) {
      done = (async () => {
        await Promise.all((deps.get(dep) ?? []).filter((d) => !chain.includes(d) && deps.has(d)).map((d) => ready(d, [...chain, dep])));
        await startOne(dep);
        await waitReady(rt, dep, name, tell);
      })();
      started.set(dep, done);
    }
    return done;
  };
  // A dependency that no longer exists (removed with `force`) is not waited for.
  await Promise.all((deps.get(name) ?? []).filter((d) => d !== name && deps.has(d)).map((d) => ready(d, [name])));
}

/** A startAll row of a task that was not started because a dependency failed. */
export interface DependencyFailure { error: string; code: string }

/**
 * startAll in dependency order: one start of each level's names (`startLevel`, the batch), then a wait until every
 * task of the level that others depend on is ready, then the next level. A task whose dependency could not start or
 * was not ready in time is not started: `failed(name, failure)` makes its row. One table without dependencies is a
 * single level, started exactly as before.
 * @example `await startInLevels(rt, deps, names, (level) => batchRows(rt, level), errorRow)`
 */
export async function startInLevels<R extends { name: string; result: string }>(
  rt: Runtime, deps: DependencyMap, names: string[],
  startLevel: (names: string[]) => Promise<R[]>, failed: (name: string, failure: DependencyFailure) => R,
): Promise<R[]> {
  const levels = dependencyLevels(deps, names);
  if (levels.length <= 1) return startLevel(names);
  const inSet = new Set(names);
  const needed = new Set(names.flatMap((n) => (deps.get(n) ?? []).filter((d) => inSet.has(d) && d !== n)));
  const failures = new Map<string, DependencyFailure>();
  const rows: R[] = [];
  for (const level of levels) {
    const go: string[] = [];
    for (const name of level) {
      const bad = (deps.get(name) ?? []).find((d) => failures.has(d));
      if (bad === undefined) { go.push(name); continue; }
      const failure = { error: `Expected dependency "${bad}" of "${name}" to have started, got: ${failures.get(bad)!.error}`, code: failures.get(bad)!.code };
      failures.set(name, failure);
      rows.push(failed(name, failure));
    }
    const started = go.length > 0 ? await startLevel(go) : [];
    rows.push(...started);
    await Promise.all(started.filter((r) => needed.has(r.name)).map(async (r) => {
      if (r.result === 'error') { const e = r as unknown as { error?: string; code?: string }; failures.set(r.name, { error: e.error ?? 'it could not start', code: e.code ?? 'ERR_UNKNOWN' }); return; }
      const dependent = names.find((n) => n !== r.name && (deps.get(n) ?? []).includes(r.name)) ?? r.name;
      await waitReady(rt, r.name, dependent).catch((error: Error & { code?: string }) => failures.set(r.name, { error: error.message, code: error.code ?? 'ERR_UNKNOWN' }));
    }));
  }
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Runs `act` on every task of `names`, each once the tasks of `names` it depends on are done (their failures do not
 * hold it back); independent ones at once. Results in the order of `names`.
 * @example `await afterDependencies(deps, ['api', 'db'], (n) => ex.startTask(n)) // db's start first`
 */
export function afterDependencies<R>(deps: DependencyMap, names: readonly string[], act: (name: string) => Promise<R>): Promise<R[]> {
  return inOrder(names, (name) => deps.get(name) ?? [], act);
}
