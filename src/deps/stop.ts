// Stop order: dependents first. stopAll stops each task once every task that depends on it is stopped (independent
// ones at once); stopTask with `cascade` stops the dependents first; without it, a warning names those still running.
import { runLive } from '../run/own.js';
import type { Runtime } from '../runtime.js';
import { allDependents, directDependents, inOrder, type DependencyMap } from './graph.js';
import { quotedNames } from './check.js';
import { tableDependencies } from './start.js';

/**
 * Stops every task of `names`, each after the tasks of `names` that depend on it (their failures do not hold it back).
 * Rows in the order of `names`.
 * @example `await stopInOrder(deps, names, (n) => stopTaskRun(rt, n))`
 */
export function stopInOrder<R>(deps: DependencyMap, names: readonly string[], stopOne: (name: string) => Promise<R>): Promise<R[]> {
  return inOrder(names, (name) => directDependents(deps, name), stopOne);
}

/**
 * `stopTask(name, { cascade })`: with `cascade`, every task that depends on `name` (directly or not) is stopped first,
 * dependents first; without it, `name` alone is stopped and a `warning` (`ERR_HAS_DEPENDENTS`) names the dependents
 * still running.
 * @example `await stopWithDependents(rt, 'db', true, (n) => stopTaskRun(rt, n))`
 */
export async function stopWithDependents<R>(rt: Runtime, name: string, cascade: boolean, stopOne: (name: string) => Promise<R>): Promise<R> {
  const { deps } = await tableDependencies(rt);
  const dependents = allDependents(deps, name);
  if (dependents.length === 0) return stopOne(name);
  if (cascade) {
    const rows = await stopInOrder(deps, [name, ...dependents], stopOne);
    return rows[0]!;
  }
  const result = await stopOne(name);
  const { records } = await rt.store.table();
  const running = dependents.filter((d) => { const run = records.get(d)?.state.run; return run !== null && run !== undefined && runLive(rt, run); });
  if (running.length > 0) {
    rt.warn(`Stopped ${name}, but ${quotedNames(running)} ${running.length === 1 ? 'depends' : 'depend'} on it and ${running.length === 1 ? 'is' : 'are'} still running (pass { cascade: true } to stop them first)`, name, 'ERR_HAS_DEPENDENTS');
  }
  return result;
}
