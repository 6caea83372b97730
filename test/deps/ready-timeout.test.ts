// readyTimeout: the waiting task's own wins over its dependency's.
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

describe("the dependent's readyTimeout", () => {
  it('bounds the wait for a dependency that never gets ready', async () => {
    const { ex } = kit.make();
    await ex.addTask('db', { script: '/bin/sh', args: ['-c', 'sleep 30'], ready: { file: 'never.flag' } });
    await ex.addTask('api', { script: '/bin/sh', args: ['-c', 'sleep 30'], dependsOn: ['db'], readyTimeout: 300 });
    const t0 = Date.now();
    await expect(ex.startTask('api')).rejects.toMatchObject({ code: 'ERR_WAIT_TIMEOUT', dependency: 'db', task: 'api' });
    expect(Date.now() - t0).toBeLessThan(T(10_000));
    expect((await ex.listTasks()).find((r) => r.name === 'api')?.status).not.toBe('running');
  });
});
