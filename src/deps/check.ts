// addTask's checks of `dependsOn` and `after` against the table: names that exist, no self-dependency, no cycle.
import { formatValue, TaskNotFoundError } from '../errors.js';
import { DependencyCycleError } from '../errors/task.js';
import type { TaskSpec } from '../store/records.js';
import { closestNames } from '../task/suggest.js';
import { dependencyMap, findChainLoop, findCycle } from './graph.js';

// A TaskNotFoundError naming the option that holds the unknown name.
function unknownTask(option: string, name: string, known: readonly string[]): TaskNotFoundError {
  const error = new TaskNotFoundError(name, closestNames(name, known));
  error.message = error.message.replace('`name`', `\`${option}\``);
  return error;
}

/**
 * Checks `spec`'s relations against the other tasks of the table (`table`, by name; `spec` replaces any of its name):
 * every `dependsOn` and `after` name exists (`TaskNotFoundError`, the option named), and `dependsOn` makes no cycle,
 * a self-dependency included (`DependencyCycleError` with the cycle). Nothing is written either way.
 * @example `checkRelations(spec, new Map([['db', dbSpec]])) // throws unless every name exists and no cycle`
 */
export function checkRelations(spec: TaskSpec, table: ReadonlyMap<string, TaskSpec>): void {
  const known = [...table.keys()].filter((n) => n !== spec.name);
  const deps = spec.dependsOn ?? [];
  if (deps.includes(spec.name)) throw new DependencyCycleError([spec.name, spec.name]);
  deps.forEach((name, i) => { if (!table.has(name) || name === spec.name) throw unknownTask(`dependsOn[${i}]`, name, known); });
  // An `after` entry may name the task itself (a retry loop through on: 'failure'; the chain rules are checked there).
  (spec.after ?? []).forEach((link, i) => { if (!table.has(link.task) && link.task !== spec.name) throw unknownTask(`after[${i}].task`, link.task, known); });
  // A chain loop back to the task is allowed only through `on: 'failure'` (bounded by maxChainDepth).
  const loop = findChainLoop(table, spec);
  if (loop) throw new DependencyCycleError(loop);
  if (deps.length === 0) return;
  const map = dependencyMap([...table.values()].filter((t) => t.name !== spec.name));
  map.set(spec.name, deps);
  const cycle = findCycle(map, spec.name);
  if (cycle) throw new DependencyCycleError(cycle);
}

/** Message words for a list of names: `"api", "web"`. */
export function quotedNames(names: readonly string[]): string {
  return names.map((n) => formatValue(n)).join(', ');
}
