// Issue 16: two adds at once cannot close a dependency cycle neither saw. addTask checks `dependsOn` against the table
// and writes under the folder's relations lock, so of `a → b` and `b → a` added together by two Executors on one
// folder, exactly one is written and the other is refused with ERR_DEPENDENCY_CYCLE.
import { describe, expect, it } from 'vitest';
import { DependencyCycleError, type Executor } from '../../src/index.js';
import { findCycle } from '../../src/deps/graph.js';
import { useExecutors } from '../helpers/executor.js';
import { depsFixture } from './kit.js';

const kit = useExecutors();
const ROUNDS = 8;

async function table(ex: Executor): Promise<Map<string, readonly string[]>> {
  return new Map((await ex.listTasks()).map((r) => [r.name, r.dependsOn]));
}

describe('dependsOn: concurrent adds', () => {
  it('of a → b and b → a by two Executors at once, exactly one is written, the other gets ERR_DEPENDENCY_CYCLE', async () => {
    const { ex, dir } = kit.make();
    const other = kit.open(ex.folder);
    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = [`a${round}`, `b${round}`];
      await ex.addTask(a, depsFixture('alive.cjs'), { wd: dir });
      await ex.addTask(b, depsFixture('alive.cjs'), { wd: dir });
      const results = await Promise.allSettled([
        ex.addTask(a, depsFixture('alive.cjs'), { wd: dir, dependsOn: [b], replace: true }),
        other.addTask(b, depsFixture('alive.cjs'), { wd: dir, dependsOn: [a], replace: true }),
      ]);
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused).toHaveLength(1);
      expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(DependencyCycleError);
      const deps = await table(other);
      expect(findCycle(deps, a)).toBeNull();
      expect([deps.get(a), deps.get(b)].filter((d) => d!.length > 0)).toHaveLength(1);
    }
  });
});
