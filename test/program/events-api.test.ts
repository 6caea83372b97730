// emitEvent through the Executor: one run per enabled subscribed task, payload as the run's data, the `event` event.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nextEvent, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const FIX = fileURLToPath(new URL('../fixtures/program/', import.meta.url));
const STEP = 'hist-step.js';
const WAIT = { timeout: T(15_000) };

describe('emitEvent', () => {
  it('starts one run of each enabled subscribed task, with the payload as data and trigger "event"', async () => {
    const { ex } = kit.make();
    await ex.addTask('etl', { wd: FIX, on: ['order.created'], steps: [{ name: 'one', script: STEP }, { name: 'two', script: STEP }] });
    await ex.addTask('mail', STEP, { wd: FIX, infiniteLoop: false, on: ['order.created', 'order.paid'] });
    await ex.addTask('off', { wd: FIX, on: ['order.created'], steps: [{ name: 'one', script: STEP }] });
    await ex.addTask('other', { wd: FIX, on: ['order.paid'], steps: [{ name: 'one', script: STEP }] });
    await ex.disableTask('off');

    const announced = nextEvent(ex, 'event', (e) => e.type === 'order.created');
    const payload = { order: 7, items: ['a', 'b'] };
    const runIds = await ex.emitEvent('order.created', payload);
    expect(runIds).toHaveLength(2);
    const event = await announced;
    expect(event.runs.map((r) => r.task).sort()).toEqual(['etl', 'mail']);
    expect(event.runs.map((r) => r.runId).sort()).toEqual([...runIds].sort());

    for (const { task, runId } of event.runs) {
      const run = await ex.waitRun(runId, WAIT);
      expect(run).toMatchObject({ runId, task, status: 'succeeded', trigger: 'event', event: 'order.created', data: payload });
    }
    const etlRun = await ex.getRun(event.runs.find((r) => r.task === 'etl')!.runId);
    expect(etlRun.steps.map((s) => s.status)).toEqual(['completed', 'completed']);
    const input = JSON.parse(readFileSync(path.join(ex.folder, 'runs', 'etl', etlRun.runId, 'input.json'), 'utf8')) as Record<string, unknown>;
    expect(input).toMatchObject({ runId: etlRun.runId, task: 'etl', trigger: 'event', event: 'order.created', data: payload });
    // Neither the disabled task nor the task on another type ran; the event file is gone.
    expect(await ex.listRuns({ task: 'off' })).toEqual([]);
    expect(await ex.listRuns({ task: 'other' })).toEqual([]);
    const eventsDir = path.join(ex.folder, 'events');
    expect(existsSync(eventsDir) ? readdirSync(eventsDir).filter((f) => f.endsWith('.json')) : []).toEqual([]);
  });

  it('resolves with [] and announces no runs when no enabled task is subscribed', async () => {
    const { ex } = kit.make();
    await ex.addTask('etl', { wd: FIX, on: ['a.b'], steps: [{ name: 'one', script: STEP }] });
    const announced = nextEvent(ex, 'event', (e) => e.type === 'nobody.listens');
    expect(await ex.emitEvent('nobody.listens')).toEqual([]);
    expect((await announced).runs).toEqual([]);
    expect(await ex.listRuns()).toEqual([]);
  });

  it('two events in a row give two runs of a program with concurrency 1, each with its own payload', async () => {
    const { ex } = kit.make();
    await ex.addTask('etl', { wd: FIX, on: ['tick'], steps: [{ name: 'one', script: STEP }] });
    const [first] = await ex.emitEvent('tick', { exit: 0 });
    const [second] = await ex.emitEvent('tick', { exit: 1 });
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect((await ex.waitRun(first!, WAIT)).status).toBe('succeeded');
    const failed = await ex.waitRun(second!, WAIT);
    expect(failed).toMatchObject({ status: 'failed', data: { exit: 1 }, event: 'tick' });
    expect((await ex.listRuns({ task: 'etl' })).map((r) => r.runId)).toEqual([second, first]);
  });
});
