// Start order: a task's dependencies are started first (recursively) and waited for until ready (startAll: see
// start-all.ts). Starting one task is passed in (`StartOne`), so this module sits below task/lifecycle.ts.
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import { dependencyMap, inOrder, type DependencyMap } from './graph.js';
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

/**
 * Runs `act` on every task of `names`, each once the tasks of `names` it depends on are done (their failures do not
 * hold it back); independent ones at once. Results in the order of `names`.
 * @example `await afterDependencies(deps, ['api', 'db'], (n) => ex.startTask(n)) // db's start first`
 */
export function afterDependencies<R>(deps: DependencyMap, names: readonly string[], act: (name: string) => Promise<R>): Promise<R[]> {
  return inOrder(names, (name) => deps.get(name) ?? [], act);
}
