// A Node task past its `limits.memory` (ulimit -d) dies, and the run is recorded as killed by the memory limit.
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const FIXTURES = new URL('../fixtures/limits/', import.meta.url).pathname;

describe('limits.memory', () => {
  it('records a run that died for memory with killedFor limit and limit memory', async () => {
    const { ex } = kit.make();
    await ex.addTask('hog', { script: 'hog.mjs', wd: FIXTURES, infiniteLoop: false, limits: { memory: '200 MB' } });
    const run = await ex.waitRun(await ex.runTask('hog'), { timeout: T(60_000) });
    expect(run).toMatchObject({ status: 'failed', killedFor: 'limit', limit: 'memory' });
    expect(run.signal).toMatch(/^SIG(SEGV|ABRT|BUS|TRAP)$/);
    expect((await ex.listTasks())[0]).toMatchObject({ lastKill: 'limit' });
  }, T(90_000));
});
