// The dashboard's JSON API, controls (issue 15): every POST under /api against the SDK call it makes, conflicts, and
// ex.serve()'s options.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, type RunRecord, type StartResult, type StopResult, type TaskRow } from '../../src/index.js';
import { expectRejected } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { UI_FIXTURES, useDashboard, type Dashboard } from './kit.js';
import { expectError, ok, ranOnce, script } from './api-helpers.js';

const kit = useDashboard();

describe('POST controls', () => {
  it('start, restart and stop a task as startTask, restartTask and stopTask do', async () => {
    const { ex } = kit.make();
    await ex.addTask('svc', script('ticker.js', { env: { TICK_MS: '1000' } }));
    const ui = await kit.serve(ex);

    const started = ok(await ui.post<StartResult>('/api/tasks/svc/start'));
    expect(started).toMatchObject({ id: ex.id, name: 'svc', result: 'started', pid: expect.any(Number) });
    kit.track(started.pid!);
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'running', pid: started.pid });
    expect(ok(await ui.post<StartResult>('/api/tasks/svc/start'))).toMatchObject({ result: 'already running', pid: started.pid });

    const restarted = ok(await ui.post<StartResult>('/api/tasks/svc/restart'));
    expect(restarted).toMatchObject({ name: 'svc', result: 'started', pid: expect.any(Number) });
    kit.track(restarted.pid!);
    expect(restarted.pid).not.toBe(started.pid);
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'running', pid: restarted.pid });

    const stopped = ok(await ui.post<StopResult>('/api/tasks/svc/stop'));
    expect(stopped).toMatchObject({ id: ex.id, name: 'svc', result: 'stopped', pid: restarted.pid, forced: false });
    expect((await ex.listTasks())[0]!.status).not.toBe('running');
    expect(ok(await ui.post<StopResult>('/api/tasks/svc/stop'))).toMatchObject({ result: 'not running', pid: null });

    for (const action of ['start', 'stop', 'restart', 'enable', 'disable', 'run']) {
      expectError(await ui.post(`/api/tasks/nope/${action}`), 404, 'ERR_TASK_NOT_FOUND');
      expectError(await ui.post(`/api/tasks/bad%20name/${action}`), 400, 'ERR_INVALID_TASK_NAME');
    }
  });

  it('disable and enable a task, answering its row', async () => {
    const { ex } = kit.make();
    await ex.addTask('report', script('lines.js', { period: '5 hours' }));
    const ui = await kit.serve(ex);
    const off = ok(await ui.post<TaskRow>('/api/tasks/report/disable'));
    expect(off).toMatchObject({ name: 'report', enabled: false });
    expect((await ex.listTasks())[0]!.enabled).toBe(false);
    const on = ok(await ui.post<TaskRow>('/api/tasks/report/enable'));
    expect(on).toMatchObject({ name: 'report', enabled: true });
    expect((await ex.listTasks())[0]!.enabled).toBe(true);
  });

  it('run a task now with data and a trigger, as runTask does; bad options 400, bad JSON 400 ERR_INVALID_PAYLOAD', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', script('lines.js'));
    const ui = await kit.serve(ex);

    const data = { symbol: 'LOL', n: [1, 2], nested: { ok: true } };
    const { runId } = ok(await ui.post<{ runId: string }>('/api/tasks/job/run', { data }));
    const run = await ex.waitRun(runId, { timeout: T(15_000) });
    expect(run).toMatchObject({ runId, task: 'job', trigger: 'manual', status: 'succeeded', data });

    const backfill = ok(await ui.post<{ runId: string }>('/api/tasks/job/run', { trigger: '2019-01-01T08:00:00' }));
    const dated = await ex.waitRun(backfill.runId, { timeout: T(15_000) });
    expect(dated.triggerTime).not.toBeNull();
    expect(new Date(dated.triggerTime!).getFullYear()).toBe(2019);

    const bare = ok(await ui.post<{ runId: string }>('/api/tasks/job/run'));
    expect((await ex.waitRun(bare.runId, { timeout: T(15_000) })).data).toBeNull();

    const before = (await ex.listRuns()).length;
    expectError(await ui.post('/api/tasks/job/run', { trigger: 'someday' }), 400, 'ERR_INVALID_TRIGGER');
    expectError(await ui.post('/api/tasks/job/run', { bogus: 1 }), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.post('/api/tasks/job/run', '{"data": '), 400, 'ERR_INVALID_PAYLOAD');
    expect(await ex.listRuns()).toHaveLength(before);
  });

  it('cancel a live run, answering its cancelled record; 404 for an unknown run, 400 for a malformed id', async () => {
    const { ex } = kit.make();
    await ex.addTask('hold', script('gate.js'));
    const runId = await ex.runTask('hold');
    await waitUntil(async () => (await ex.getRun(runId)).status === 'running', { what: 'the run to start' });
    const ui = await kit.serve(ex);

    const cancelled = ok(await ui.post<RunRecord>(`/api/runs/${runId}/cancel`));
    expect(cancelled).toMatchObject({ runId, task: 'hold', status: 'cancelled' });
    expect((await ex.getRun(runId)).status).toBe('cancelled');
    expect((await ex.listTasks())[0]!.status).not.toBe('running');
    expectError(await ui.post('/api/runs/no-such-run-1/cancel'), 404, 'ERR_RUN_NOT_FOUND');
    expectError(await ui.post('/api/runs/bad%20id/cancel'), 400, 'ERR_INVALID_OPTION');
  });

  it('save a run with a name and a description; listRuns then finds it saved', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', script('lines.js'));
    const run = await ranOnce(ex, 'job');
    const ui = await kit.serve(ex);

    expectError(await ui.post(`/api/runs/${run.runId}/save`, {}), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.post(`/api/runs/${run.runId}/save`, { name: 'x', extra: 1 }), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.post(`/api/runs/${run.runId}/save`, 'not json'), 400, 'ERR_INVALID_PAYLOAD');
    expect(await ex.listRuns({ saved: true })).toEqual([]);

    const saved = ok(await ui.post<RunRecord>(`/api/runs/${run.runId}/save`, { name: 'baseline', description: 'the good one' }));
    expect(saved).toMatchObject({ runId: run.runId, saved: { name: 'baseline', description: 'the good one' } });
    const listed = await ex.listRuns({ saved: true });
    expect(listed.map((r) => r.runId)).toEqual([run.runId]);
    expect(listed[0]!.saved).toMatchObject({ name: 'baseline', description: 'the good one' });
    expectError(await ui.post('/api/runs/no-such-run-1/save', { name: 'x' }), 404, 'ERR_RUN_NOT_FOUND');
  });

  it('emit an event: every task whose `on` lists it runs with the payload as data', async () => {
    const { ex } = kit.make();
    await ex.addTask('sub1', script('lines.js', { on: ['file-arrived'] }));
    await ex.addTask('sub2', { wd: UI_FIXTURES, on: ['other', 'file-arrived'], steps: [{ name: 'only', script: 'step.js' }] });
    await ex.addTask('bystander', script('lines.js', { on: ['other'] }));
    const ui = await kit.serve(ex);

    const payload = { path: '/data/in.csv', rows: 3 };
    const runIds = ok(await ui.post<string[]>('/api/events/file-arrived', payload)); // as `executor emit --json`
    expect(runIds).toHaveLength(2);
    const runs = await Promise.all(runIds.map((id) => ex.waitRun(id, { timeout: T(20_000) })));
    expect(runs.map((r) => r.task).sort()).toEqual(['sub1', 'sub2']);
    for (const r of runs) expect(r).toMatchObject({ trigger: 'event', event: 'file-arrived', status: 'succeeded', data: payload });
    expect(await ex.listRuns({ task: 'bystander' })).toEqual([]);

    const empty = ok(await ui.post<string[]>('/api/events/other'));
    expect(empty).toHaveLength(2);
    for (const id of empty) await ex.waitRun(id, { timeout: T(20_000) });
    expect(ok(await ui.post<string[]>('/api/events/nobody.listens', { a: 1 }))).toEqual([]);

    const before = (await ex.listRuns()).length;
    expectError(await ui.post('/api/events/bad%20type', { a: 1 }), 400, 'ERR_INVALID_EVENT_TYPE');
    expectError(await ui.post('/api/events/file-arrived', '{oops'), 400, 'ERR_INVALID_PAYLOAD');
    expect(await ex.listRuns()).toHaveLength(before);
  });
});

describe('conflicts', () => {
  it('answers 409 ERR_CORRUPT_RECORD for a task whose record cannot be read, on reads and controls', async () => {
    const { ex } = kit.make();
    await ex.addTask('broken', script('lines.js'));
    writeFileSync(path.join(ex.folder, 'tasks', 'broken.json'), '{not json');
    const ui = await kit.serve(ex);
    for (const read of ['/api/tasks/broken', '/api/tasks/broken/out', '/api/tasks/broken/outputs']) expectError(await ui.get(read), 409, 'ERR_CORRUPT_RECORD');
    for (const control of ['start', 'disable', 'run']) expectError(await ui.post(`/api/tasks/broken/${control}`), 409, 'ERR_CORRUPT_RECORD');
  });
});

describe('ex.serve() options', () => {
  it('rejects bad options with InvalidOptionError and listens on nothing', async () => {
    const { ex } = kit.make();
    const bad: unknown[] = [{ port: -1 }, { port: 70_000 }, { port: 1.5 }, { port: '80' }, { host: 'bad host!' }, { readOnly: 'yes' }, { token: 'short' }, { token: 'has a space in it here' }, { bogus: 1 }, 'x'];
    for (const options of bad) {
      await expectRejected(() => (ex.serve as (o: unknown) => Promise<unknown>)(options), InvalidOptionError, 'ERR_INVALID_OPTION', /./, ex.folder);
    }
  });

  it('serves on a free port at a loopback url with no path, without a token by default', async () => {
    const { ex } = kit.make();
    const ui: Dashboard = await kit.serve(ex);
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(Number(new URL(ui.url).port)).toBeGreaterThan(0);
    expect(ui.handle.token).toBeNull();
    expect(ok(await ui.get('/api/tasks'))).toEqual([]);
  });
});

