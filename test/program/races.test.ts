// Program runs at the edges: a timed-out step retried at once (retryDelay 0) never runs twice at the same time, and
// cancelling one run of a scheduled program leaves its schedule on.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { PROGRAM_FIXTURES, RUN_TIMEOUT_MS } from '../helpers/program.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

describe('program edge cases', () => {
  it('a step timeout with retryDelay 0 retries once, and the timed-out attempt is gone before the next one runs', async () => {
    const { ex } = kit.make();
    await ex.addTask('slow', { steps: [{ name: 'hang', script: 'run-timeout.js', timeout: 300 }], wd: PROGRAM_FIXTURES, retryDelay: 0, retries: 2 });
    const pids: number[] = [];
    ex.on('step', (e) => { if (e.pid !== null) pids.push(e.pid); });
    const run = await ex.waitRun(await ex.runTask('slow'), { timeout: T(RUN_TIMEOUT_MS) });
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]!.retries).toBe(1);
    expect(pids).toHaveLength(2);
    await waitUntil(() => pids.every((pid) => !pidAlive(pid)), { timeoutMs: 5_000, what: 'both attempts gone' });
    expect(await ex.readOut('slow', 10, { step: 'hang' })).toEqual(['hanging', 'attempt 1 ok']);
  });

  it('cancelRun of a scheduled program run leaves the task scheduled', async () => {
    const { ex, dir } = kit.make();
    const release = path.join(dir, 'release');
    await ex.addTask('hourly', {
      steps: [{ name: 'hold', script: 'run-hold.js' }], wd: PROGRAM_FIXTURES, period: '1 hour',
      env: { ORDER_FILE: path.join(dir, 'order.txt'), RELEASE_FILE: release },
    });
    await ex.startTask('hourly');
    expect((await ex.listTasks())[0]!.status).toBe('scheduled');
    const runId = await ex.runTask('hourly');
    await waitUntil(async () => (await ex.getRun(runId)).steps[0]!.status === 'running', { timeoutMs: 5_000, what: 'the step running' });
    const cancelled = await ex.cancelRun(runId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.steps[0]!.status).toBe('cancelled');
    const [row] = await ex.listTasks();
    expect(row!.status).toBe('scheduled');
    expect(row!.nextRun).not.toBeNull();
  });
});
