// A program keeps every task option: a cron schedule fires whole runs (steps in order), a disabled program is not
// fired, and a failing scheduled run raises a failure alert. Driven by an injected clock and tick().
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';
import { clocked, SECOND } from '../executor/sched-kit.js';
import { PROGRAM_FIXTURES } from '../helpers/program.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const steps = [{ name: 'one', script: 'run-step.js' }, { name: 'two', script: 'run-step.js' }];

describe('scheduled programs', () => {
  it('a cron program fires a whole run per slot, not while disabled', async () => {
    const c = clocked(kit, T0);
    await c.ex.addTask('every10', { steps, wd: PROGRAM_FIXTURES, cron: '*/10 * * * * *' });
    await c.ex.startTask('every10');
    expect(await c.ex.nextRuns('every10', 2)).toEqual([new Date(T0 + 10 * SECOND).toISOString(), new Date(T0 + 20 * SECOND).toISOString()]);
    const report = await c.at(T0 + 10 * SECOND);
    expect(report.fired).toEqual(['every10']);
    const [run] = await c.ex.listRuns({ task: 'every10' });
    expect(run!.trigger).toBe('schedule');
    expect(run!.scheduledFor).toBe(new Date(T0 + 10 * SECOND).toISOString());
    const done = await c.ex.waitRun(run!.runId, { timeout: T(20_000) });
    expect(done.status).toBe('succeeded');
    expect(done.steps.map((s) => s.status)).toEqual(['completed', 'completed']);
    await waitUntil(async () => (await c.ex.listTasks())[0]!.status === 'scheduled', { timeoutMs: 5_000, what: 'scheduled again' });
    await c.ex.disableTask('every10');
    expect((await c.at(T0 + 20 * SECOND)).fired).toEqual([]);
    await c.ex.enableTask('every10');
    expect((await c.at(T0 + 30 * SECOND)).fired).toEqual(['every10']);
    await c.settle();
    expect(await c.ex.listRuns({ task: 'every10' })).toHaveLength(2);
  });

  it('a failing scheduled program raises a failure alert naming the step', async () => {
    const c = clocked(kit, T0);
    const alerts: string[] = [];
    c.ex.on('alert', (a) => alerts.push(`${a.kind}: ${a.reason}`));
    await c.ex.addTask('nightly', {
      steps: [{ name: 'ok', script: 'run-step.js' }, { name: 'bad', script: 'run-step.js', env: { EXIT_CODE: '2' } }],
      wd: PROGRAM_FIXTURES, period: '1 min', start: new Date(T0).toISOString(), alert: { on: ['failure'], channels: [] },
    });
    await c.ex.startTask('nightly');
    expect((await c.at(T0 + 60 * SECOND)).fired).toEqual(['nightly']);
    await c.settle();
    const [run] = await c.ex.listRuns({ task: 'nightly' });
    expect(run!.status).toBe('failed');
    await waitUntil(() => alerts.length > 0, { timeoutMs: 5_000, what: 'the alert' });
    expect(alerts).toEqual(['failure: nightly at step bad exited with code 2']);
  });
});
