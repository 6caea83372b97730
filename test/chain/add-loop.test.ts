// addTask refuses a chain loop made only of on: 'success' / 'end' links (DependencyCycleError, nothing written), and
// takes one through on: 'failure'.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DependencyCycleError } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';

const kit = useExecutors();
const WD = new URL('../fixtures/chain/', import.meta.url).pathname;

describe('addTask and chain loops', () => {
  it('refuses a self-loop on success and a loop through another task, and accepts a retry loop on failure', async () => {
    const { ex, dir } = kit.make();
    const tasks = (): string[] => readdirSync(join(dir, 'exec', 'tasks')).sort();
    const before = tasks();
    const refused = await ex.addTask('a', { script: 'record.js', wd: WD, after: [{ task: 'a', on: 'success' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DependencyCycleError);
    expect(refused).toMatchObject({ code: 'ERR_DEPENDENCY_CYCLE', cycle: ['a', 'a'] });
    expect(tasks()).toEqual(before);
    await ex.addTask('b', { script: 'record.js', wd: WD, infiniteLoop: false });
    await ex.addTask('c', { script: 'record.js', wd: WD, infiniteLoop: false, after: [{ task: 'b', on: 'end' }] });
    await expect(ex.addTask('b', { script: 'record.js', wd: WD, infiniteLoop: false, after: [{ task: 'c' }], replace: true })).rejects.toMatchObject({ code: 'ERR_DEPENDENCY_CYCLE', cycle: ['b', 'c', 'b'] });
    expect((await ex.listTasks()).find((r) => r.name === 'b')?.after).toEqual([]);
    await ex.addTask('retry', { script: 'record.js', wd: WD, infiniteLoop: false, after: [{ task: 'retry', on: 'failure' }], maxChainDepth: 3 });
    expect((await ex.listTasks()).find((r) => r.name === 'retry')?.after).toEqual([{ task: 'retry', on: 'failure' }]);
  });
});
