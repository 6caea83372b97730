// The dependency graph of a task table (`dependsOn`), pure: cycle check, start levels, dependents; and the chain-loop
// rule of `after`.
import type { TaskSpec } from '../store/records.js';

/** Task name → the names it depends on (`dependsOn`). */
export type DependencyMap = ReadonlyMap<string, readonly string[]>;

/**
 * The dependency map of a set of task definitions.
 * @example `dependencyMap([db, api]) // Map { 'db' => [], 'api' => ['db'] }`
 */
export function dependencyMap(specs: Iterable<TaskSpec>): Map<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  for (const spec of specs) map.set(spec.name, spec.dependsOn ?? []);
  return map;
}

/**
 * A cycle reachable from `start`, first name repeated last (`['a', 'b', 'a']`), or null. A self-dependency is the
 * cycle `['a', 'a']`. Names the map does not hold are leaves.
 * @example `findCycle(new Map([['a', ['b']], ['b', ['a']]]), 'a') // ['a', 'b', 'a']`
 */
export function findCycle(deps: DependencyMap, start: string): string[] | null {
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const visit = (name: string): string[] | null => {
    if (onPath.has(name)) return [...path.slice(path.indexOf(name)), name];
    if (done.has(name)) return null;
    path.push(name);
    onPath.add(name);
    for (const next of deps.get(name) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(name);
    done.add(name);
    return null;
  };
  return visit(start);
}

/**
 * Start levels of `names`: level 0 depends on none of `names`, level k + 1 only on levels up to k. Dependencies outside
 * `names` (or unknown) are ignored; names in a cycle (which addTask refuses) go in the last level. Each level sorted.
 * @example `dependencyLevels(map, ['api', 'db', 'web']) // [['db'], ['api'], ['web']]`
 */
export function dependencyLevels(deps: DependencyMap, names: Iterable<string>): string[][] {
  const set = new Set(names);
  const level = new Map<string, number>();
  const depth = (name: string, seen: Set<string>): number => {
    const known = level.get(name);
    if (known !== undefined) return known;
    if (seen.has(name)) return 0; // a cycle: cut it here
    seen.add(name);
    let d = 0;
    for (const dep of deps.get(name) ?? []) if (set.has(dep) && dep !== name) d = Math.max(d, depth(dep, seen) + 1);
    seen.delete(name);
    level.set(name, d);
    return d;
  };
  const levels: string[][] = [];
  for (const name of set) {
    const d = depth(name, new Set());
    (levels[d] ??= []).push(name);
  }
  return levels.filter((l) => l !== undefined).map((l) => l.sort());
}

/**
 * The tasks that depend on `name` directly (`dependsOn` names it), sorted.
 * @example `directDependents(map, 'db') // ['api']`
 */
export function directDependents(deps: DependencyMap, name: string): string[] {
  const out: string[] = [];
  for (const [task, list] of deps) if (task !== name && list.includes(name)) out.push(task);
  return out.sort();
}

/**
 * Every task that depends on `name`, directly or through others, sorted.
 * @example `allDependents(map, 'db') // ['api', 'web']`
 */
export function allDependents(deps: DependencyMap, name: string): string[] {
  const found = new Set<string>();
  const todo = [name];
  while (todo.length > 0) {
    for (const d of directDependents(deps, todo.pop()!)) if (!found.has(d) && d !== name) { found.add(d); todo.push(d); }
  }
  return [...found].sort();
}

/**
 * Every task `name` depends on, directly or through others (not `name` itself), sorted.
 * @example `allDependencies(map, 'web') // ['api', 'db']`
 */
export function allDependencies(deps: DependencyMap, name: string): string[] {
  const found = new Set<string>();
  const todo = [name];
  while (todo.length > 0) {
    for (const d of deps.get(todo.pop()!) ?? []) if (!found.has(d) && d !== name) { found.add(d); todo.push(d); }
  }
  return [...found].sort();
}

/**
 * Task name → the tasks it chains after (`after`) through links that are not `on: 'failure'`: the links a chain loop
 * may not be made of only.
 * @example `unguardedChains([report]) // Map { 'report' => ['load'] } for after: [{ task: 'load', on: 'end' }]`
 */
export function unguardedChains(specs: Iterable<TaskSpec>): Map<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  for (const spec of specs) map.set(spec.name, [...new Set((spec.after ?? []).filter((l) => l.on !== 'failure').map((l) => l.task))]);
  return map;
}

/**
 * A chain loop through `spec` made only of `on: 'success'` / `'end'` links (each run of one would start the next for
 * ever), as `[spec, …, spec]` read "spec runs after … after spec", or null. `table` holds the other tasks (by name;
 * `spec` replaces any of its name). A loop with at least one `on: 'failure'` link is allowed (a retry loop, bounded by
 * `maxChainDepth`). addTask refuses such a loop with `DependencyCycleError`.
 * @example `findChainLoop(new Map(), { name: 'a', after: [{ task: 'a', on: 'success' }] }) // ['a', 'a']`
 */
export function findChainLoop(table: ReadonlyMap<string, TaskSpec>, spec: TaskSpec): string[] | null {
  const map = unguardedChains([...table.values()].filter((t) => t.name !== spec.name));
  map.set(spec.name, unguardedChains([spec]).get(spec.name)!);
  const seen = new Set<string>();
  const path = [spec.name];
  const visit = (name: string): string[] | null => {
    for (const next of map.get(name) ?? []) {
      if (next === spec.name) return [...path, next];
      if (seen.has(next)) continue;
      seen.add(next);
      path.push(next);
      const loop = visit(next);
      if (loop) return loop;
      path.pop();
    }
    return null;
  };
  return visit(spec.name);
}

/**
 * Runs `act` on every name of `names`, each once the names of `names` that `before(name)` lists are done (their
 * failures do not hold it back; a cycle is broken where it closes); unrelated ones at once. Results in `names`' order.
 * @example `await inOrder(['api', 'db'], (n) => deps.get(n) ?? [], start) // db first`
 */
export async function inOrder<R>(names: readonly string[], before: (name: string) => readonly string[], act: (name: string) => Promise<R>): Promise<R[]> {
  const set = new Set(names);
  const runs = new Map<string, Promise<R>>();
  const run = (name: string, chain: ReadonlySet<string>): Promise<R> => {
    let done = runs.get(name);
    if (done === undefined) {
      const first = before(name).filter((d) => set.has(d) && !chain.has(d) && d !== name);
      const next = new Set(chain).add(name);
      done = Promise.allSettled(first.map((d) => run(d, next))).then(() => act(name));
      runs.set(name, done);
    }
    return done;
  };
  return Promise.all(names.map((name) => run(name, new Set())));
}
