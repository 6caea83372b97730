// Issue 16, start order: the pure dependency graph (cycles, levels, dependents).
import { describe, expect, it } from 'vitest';
import { allDependencies, allDependents, dependencyLevels, directDependents, findCycle } from '../../src/deps/graph.js';

const map = (entries: Record<string, string[]>): Map<string, string[]> => new Map(Object.entries(entries));

describe('dependency graph', () => {
  it('finds a cycle, first name repeated last, and a self-dependency', () => {
    expect(findCycle(map({ a: ['b'], b: ['c'], c: ['a'] }), 'a')).toEqual(['a', 'b', 'c', 'a']);
    expect(findCycle(map({ a: ['a'] }), 'a')).toEqual(['a', 'a']);
    expect(findCycle(map({ a: ['b', 'c'], b: ['c'], c: [] }), 'a')).toBeNull();
    expect(findCycle(map({ x: ['a'], a: ['b'], b: ['a'] }), 'x')).toEqual(['a', 'b', 'a']);
  });

  it('puts tasks in levels: each after what it depends on, independent ones together', () => {
    const deps = map({ db: [], cache: [], api: ['db', 'cache'], web: ['api'], cron: [], worker: ['db'] });
    expect(dependencyLevels(deps, deps.keys())).toEqual([['cache', 'cron', 'db'], ['api', 'worker'], ['web']]);
    // A dependency outside the set (or unknown) is ignored.
    expect(dependencyLevels(deps, ['web', 'api'])).toEqual([['api'], ['web']]);
    expect(dependencyLevels(map({ a: ['gone'] }), ['a'])).toEqual([['a']]);
  });

  it('lists dependents and dependencies, direct and transitive', () => {
    const deps = map({ db: [], api: ['db'], web: ['api'], worker: ['db'] });
    expect(directDependents(deps, 'db')).toEqual(['api', 'worker']);
    expect(allDependents(deps, 'db')).toEqual(['api', 'web', 'worker']);
    expect(allDependencies(deps, 'web')).toEqual(['api', 'db']);
  });
});
