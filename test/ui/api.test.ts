// The dashboard's JSON API (issue 15): every GET and POST under /api answers what the SDK call it wraps gives, and a
// failed call answers the SDK error's code and message with status 400 or 404 (docs/internal/dashboard-contract.md).
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, type AddTaskOptions, type Executor, type RunRecord, type StartResult, type StopResult, type TaskRow } from '../../src/index.js';
import { expectRejected } from '../helpers/executor.js';
import { eventOf } from '../helpers/folder.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { asJson, stable, UI_FIXTURES, useDashboard, type Dashboard, type Reply } from './kit.js';

const kit = useDashboard();

interface ApiError { error: { code: string; message: string } }
interface Detail { task: TaskRow; nextRuns: string[]; runs: RunRecord[]; decisions: { time: string; kind: string; text: string }[] }

const DECISION_KINDS = ['started', 'restarted', 'backoff', 'gave-up', 'skipped', 'queued', 'timeout', 'memory', 'stopped', 'exited', 'cancelled', 'replaced', 'event', 'other'];

/** Expects an error answer: `status`, JSON `{ error: { code, message } }` with `code` and an "Expected … got" message. */
function expectError(reply: Reply, status: number, code: string): void {
  expect(reply.status, reply.text).toBe(status);
  expect(String(reply.headers['content-type']), reply.text).toMatch(/application\/json/);
  const { error } = reply.json as ApiError;
  expect(error.code, reply.text).toBe(code);
  expect(error.message, reply.text).toMatch(/Expected .* got /);
}

/** Expects a 200 JSON answer and gives its body. */
function ok<T>(reply: Reply<T>): T {
  expect(reply.status, reply.text).toBe(200);
  expect(String(reply.headers['content-type']), reply.text).toMatch(/application\/json/);
  return reply.json;
}

/** A script task of test/fixtures/ui that does not loop. */
function script(file: string, options: AddTaskOptions = {}): AddTaskOptions & { script: string } {
  return { script: file, wd: UI_FIXTURES, infiniteLoop: false, ...options };
}

/** A finished run of `name` (started with the SDK). */
async function ranOnce(ex: Executor, name: string, env?: Record<string, string>): Promise<RunRecord> {
  const runId = await ex.runTask(name, env ? { env } : undefined);
  return ex.waitRun(runId, { timeout: T(15_000) });
}

describe('GET /api/tasks and /api/tasks/:name', () => {
  it('lists the rows of listTasks (running ones included), and ?tag= only the tagged ones', async () => {
    const { ex, dir } = kit.make();
    await ex.addTask('web', script('gate.js', { env: { GO_FILE: path.join(dir, 'never') }, tags: ['front'] }));
    await ex.addTask('db', script('lines.js', { tags: ['back'] }));
    await ex.addTask('report', script('lines.js', { period: '5 hours', tags: ['back', 'nightly'] }));
    await ex.startTask('web');
    await ex.startTask('report');
    await ex.waitFor('web', 'running', { timeout: T(10_000) });
    const ui = await kit.serve(ex);

    const rows = ok(await ui.get<TaskRow[]>('/api/tasks'));
    expect(rows.map((r) => r.name)).toEqual(['db', 'report', 'web']);
    expect(rows.map(stable)).toEqual(asJson((await ex.listTasks()).map(stable)));
    expect(rows.find((r) => r.name === 'web')).toMatchObject({ status: 'running', pid: expect.any(Number) });
    expect(rows.find((r) => r.name === 'report')).toMatchObject({ status: 'scheduled', nextRun: expect.any(String) });

    const back = ok(await ui.get<TaskRow[]>('/api/tasks?tag=back'));
    expect(back.map(stable)).toEqual(asJson((await ex.listTasks({ tag: 'back' })).map(stable)));
    expect(back.map((r) => r.name)).toEqual(['db', 'report']);
    expect(ok(await ui.get<TaskRow[]>('/api/tasks?tag=nobody'))).toEqual([]);
  });

  it('gives a task\'s row, its next 5 fire times, its runs newest first and its decisions', async () => {
    const { ex } = kit.make();
    await ex.addTask('report', script('lines.js', { period: '5 hours' }));
    await ex.addTask('job', script('lines.js'));
    await ex.startTask('report');
    const first = await ranOnce(ex, 'job');
    const second = await ranOnce(ex, 'job');
    const ui = await kit.serve(ex);

    const report = ok(await ui.get<Detail>('/api/tasks/report'));
    expect(Object.keys(report).sort()).toEqual(['decisions', 'nextRuns', 'runs', 'task']);
    expect(stable(report.task)).toEqual(asJson(stable((await ex.listTasks()).find((r) => r.name === 'report')!)));
    expect(report.nextRuns).toHaveLength(5);
    expect(report.nextRuns).toEqual(await ex.nextRuns('report', 5));
    expect(report.runs).toEqual([]);
    expect(Array.isArray(report.decisions)).toBe(true);

    const job = ok(await ui.get<Detail>('/api/tasks/job'));
    expect(job.task.name).toBe('job');
    expect(job.nextRuns).toEqual([]);
    expect(job.runs.map((r) => r.runId)).toEqual([second.runId, first.runId]);
    expect(job.runs).toEqual(asJson(await ex.listRuns({ task: 'job', limit: 50 })));
    expect(job.decisions.length).toBeGreaterThan(0);
    for (const d of job.decisions) {
      expect(d.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      expect(DECISION_KINDS).toContain(d.kind);
      expect(typeof d.text).toBe('string');
    }
    // Decisions come from what the folder keeps: another process (a new Executor and server) sees the same ones.
    const again = await kit.serve(kit.open(ex.folder));
    expect(ok(await again.get<Detail>('/api/tasks/job')).decisions).toEqual(job.decisions);
  });

  it('answers 404 ERR_TASK_NOT_FOUND for an unknown task and 400 ERR_INVALID_TASK_NAME for a malformed name', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', script('lines.js'));
    const ui = await kit.serve(ex);
    expectError(await ui.get('/api/tasks/jbo'), 404, 'ERR_TASK_NOT_FOUND');
    expect(((await ui.get('/api/tasks/jbo')).json as ApiError).error.message).toMatch(/job/); // the SDK's did-you-mean
    expectError(await ui.get('/api/tasks/bad%20name'), 400, 'ERR_INVALID_TASK_NAME');
    expectError(await ui.get('/api/no-such-route'), 404, 'ERR_NOT_FOUND');
  });
});

describe('GET /api/tasks/:name/out and /outputs', () => {
  it('reads the last n lines of the current output, of stderr, and of an archive by number, run id or file name', async () => {
    const { ex } = kit.make();
    await ex.addTask('printer', script('lines.js', { stderr: 'separate', env: { LINES: '60', ERR_LINES: '3' } }));
    const first = await ranOnce(ex, 'printer');
    const ui = await kit.serve(ex);

    const all = ok(await ui.get<string[]>('/api/tasks/printer/out'));
    expect(all).toEqual(await ex.readOut('printer'));
    expect(all).toHaveLength(50); // n defaults to 50
    expect(all.at(-1)).toBe('line 60');
    expect(ok(await ui.get('/api/tasks/printer/out?n=3'))).toEqual(['line 58', 'line 59', 'line 60']);
    expect(ok(await ui.get('/api/tasks/printer/out?n=0'))).toEqual([]);
    expect(ok(await ui.get('/api/tasks/printer/out?stream=stderr'))).toEqual(['err 1', 'err 2', 'err 3']);

    await ranOnce(ex, 'printer', { LINES: '2', ERR_LINES: '0' });
    expect(ok(await ui.get('/api/tasks/printer/out'))).toEqual(['line 1', 'line 2']);
    const archives = ok(await ui.get<{ file: string; runId: string | null }[]>('/api/tasks/printer/outputs'));
    expect(archives).toEqual(asJson(await ex.listOutputs('printer')));
    expect(archives).toHaveLength(1);
    expect(archives[0]!.runId).toBe(first.runId);
    const old = ['line 58', 'line 59', 'line 60'];
    expect(ok(await ui.get('/api/tasks/printer/out?n=3&run=1'))).toEqual(old);
    expect(ok(await ui.get(`/api/tasks/printer/out?n=3&run=${first.runId}`))).toEqual(old);
    expect(ok(await ui.get(`/api/tasks/printer/out?n=3&run=${encodeURIComponent(archives[0]!.file)}`))).toEqual(old);
    expect(ok(await ui.get('/api/tasks/printer/out?run=1&stream=stderr'))).toEqual(['err 1', 'err 2', 'err 3']);
  });

  it('reads a program step\'s output with ?step=, the last step by default', async () => {
    const { ex } = kit.make();
    await ex.addTask('etl', { wd: UI_FIXTURES, steps: [{ name: 'extract', script: 'step.js' }, { name: 'load', script: 'step.js' }] });
    const run = await ranOnce(ex, 'etl');
    expect(run.status).toBe('succeeded');
    const ui = await kit.serve(ex);
    expect(ok(await ui.get('/api/tasks/etl/out?step=extract'))).toEqual(['output of extract']);
    expect(ok(await ui.get('/api/tasks/etl/out?step=load'))).toEqual(['output of load']);
    expect(ok(await ui.get('/api/tasks/etl/out'))).toEqual(await ex.readOut('etl'));
    expect(ok(await ui.get(`/api/tasks/etl/out?step=extract&run=${run.runId}`))).toEqual(['output of extract']);
    expectError(await ui.get('/api/tasks/etl/out?step=nope'), 400, 'ERR_INVALID_OPTION');
  });

  it('answers 404 for an unknown task or archive and 400 for a bad n, stream or step', async () => {
    const { ex } = kit.make();
    await ex.addTask('printer', script('lines.js'));
    await ranOnce(ex, 'printer');
    const ui = await kit.serve(ex);
    expectError(await ui.get('/api/tasks/nope/out'), 404, 'ERR_TASK_NOT_FOUND');
    expectError(await ui.get('/api/tasks/nope/outputs'), 404, 'ERR_TASK_NOT_FOUND');
    expectError(await ui.get('/api/tasks/printer/out?n=-1'), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.get('/api/tasks/printer/out?n=abc'), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.get('/api/tasks/printer/out?n=1.5'), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.get('/api/tasks/printer/out?stream=both'), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.get('/api/tasks/printer/out?step=extract'), 400, 'ERR_INVALID_OPTION'); // a script task has no steps
    expectError(await ui.get('/api/tasks/printer/out?run=9'), 404, 'ERR_OUTPUT_NOT_FOUND');
    expectError(await ui.get('/api/tasks/printer/out?run=no-such-run'), 404, 'ERR_OUTPUT_NOT_FOUND');
  });
});

describe('GET /api/runs, /api/runs/:runId, /api/log, /api/upcoming, /api/supervisor', () => {
  it('lists runs as listRuns does, filtered by task, status and limit', async () => {
    const { ex } = kit.make();
    await ex.addTask('good', script('lines.js'));
    await ex.addTask('bad', script('lines.js', { env: { EXIT_CODE: '3' } }));
    const g1 = await ranOnce(ex, 'good');
    const b1 = await ranOnce(ex, 'bad');
    const g2 = await ranOnce(ex, 'good');
    expect(b1.status).toBe('failed');
    const ui = await kit.serve(ex);

    const all = ok(await ui.get<RunRecord[]>('/api/runs'));
    expect(all).toEqual(asJson(await ex.listRuns()));
    expect(all.map((r) => r.runId)).toEqual([g2.runId, b1.runId, g1.runId]);
    expect(ok(await ui.get<RunRecord[]>('/api/runs?task=good')).map((r) => r.runId)).toEqual([g2.runId, g1.runId]);
    expect(ok(await ui.get<RunRecord[]>('/api/runs?status=failed')).map((r) => r.runId)).toEqual([b1.runId]);
    expect(ok(await ui.get<RunRecord[]>('/api/runs?limit=1')).map((r) => r.runId)).toEqual([g2.runId]);
    expect(ok(await ui.get<RunRecord[]>('/api/runs?task=good&status=succeeded&limit=1')).map((r) => r.runId)).toEqual([g2.runId]);
    expect(ok(await ui.get<RunRecord[]>('/api/runs?task=bad&status=succeeded'))).toEqual([]);

    expectError(await ui.get('/api/runs?status=weird'), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.get('/api/runs?limit=0'), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.get('/api/runs?limit=many'), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.get('/api/runs?task=nope'), 404, 'ERR_TASK_NOT_FOUND');
    expectError(await ui.get('/api/runs?task=bad%20name'), 400, 'ERR_INVALID_TASK_NAME');
  });

  it('gives one run as getRun does (a program\'s steps included); 404 ERR_RUN_NOT_FOUND, 400 for a malformed id', async () => {
    const { ex } = kit.make();
    await ex.addTask('etl', { wd: UI_FIXTURES, steps: [{ name: 'extract', script: 'step.js' }, { name: 'load', script: 'step.js', env: { EXIT_CODE: '4' } }] });
    const run = await ranOnce(ex, 'etl');
    const ui = await kit.serve(ex);
    const got = ok(await ui.get<RunRecord>(`/api/runs/${run.runId}`));
    expect(got).toEqual(asJson(await ex.getRun(run.runId)));
    expect(got).toMatchObject({ runId: run.runId, task: 'etl', status: 'failed' });
    expect(got.steps.map((s) => [s.name, s.status])).toEqual([['extract', 'completed'], ['load', 'failed']]);

    expectError(await ui.get('/api/runs/no-such-run-1'), 404, 'ERR_RUN_NOT_FOUND');
    expectError(await ui.get('/api/runs/bad%20id'), 400, 'ERR_INVALID_OPTION'); // assertRunId: /^[\w.-]{1,200}$/
    expectError(await ui.get(`/api/runs/${'x'.repeat(201)}`), 400, 'ERR_INVALID_OPTION');
  });

  it('gives the executor log (?n=, 200 lines by default)', async () => {
    const { ex } = kit.make();
    for (let i = 0; i < 3; i += 1) await ex.addTask(`t${i}`, script('lines.js'));
    const ui = await kit.serve(ex);
    const log = ok(await ui.get<string[]>('/api/log'));
    expect(log).toEqual(await ex.readLog(200));
    expect(log.some((l) => l.includes('Adding t2'))).toBe(true);
    expect(ok(await ui.get('/api/log?n=2'))).toEqual(await ex.readLog(2));
    expectError(await ui.get('/api/log?n=-3'), 400, 'ERR_INVALID_OPTION');
    expectError(await ui.get('/api/log?n=lots'), 400, 'ERR_INVALID_OPTION');
  });

  it('merges the scheduled runs of the next 24 hours across tasks, sorted by time', async () => {
    const { ex } = kit.make();
    await ex.addTask('half', script('lines.js', { period: '30 min' }));
    await ex.addTask('five', script('lines.js', { period: '5 hours' }));
    await ex.addTask('off', script('lines.js', { period: '1 hour' }));
    await ex.addTask('plain', script('lines.js'));
    for (const name of ['half', 'five', 'off']) await ex.startTask(name);
    await ex.disableTask('off');
    const ui = await kit.serve(ex);

    const hour = 3_600_000;
    const items = ok(await ui.get<{ task: string; at: string }[]>('/api/upcoming'));
    const now = Date.now();
    const times = items.map((i) => Date.parse(i.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.every((t) => t <= now + 24 * hour)).toBe(true);
    // Every fire time of nextRuns within the window (a minute's margin at its end) is listed, and nothing else.
    const expected: { task: string; at: string }[] = [];
    for (const task of ['half', 'five', 'off', 'plain']) for (const at of await ex.nextRuns(task, 60)) if (Date.parse(at) < now + 24 * hour - 60_000) expected.push({ task, at });
    const inWindow = items.filter((i) => Date.parse(i.at) < now + 24 * hour - 60_000);
    const byTime = (a: { task: string; at: string }, b: { task: string; at: string }) => a.at.localeCompare(b.at) || a.task.localeCompare(b.task);
    expect([...inWindow].sort(byTime)).toEqual(expected.sort(byTime));
    expect(new Set(items.map((i) => i.task))).toEqual(new Set(['half', 'five']));
    expect(items.filter((i) => i.task === 'five')).toHaveLength(4); // +5 h, +10 h, +15 h, +20 h

    const two = ok(await ui.get<{ task: string; at: string }[]>('/api/upcoming?hours=2'));
    expect(two.length).toBeGreaterThanOrEqual(3);
    expect(two.every((i) => i.task === 'half' && Date.parse(i.at) <= Date.now() + 2 * hour)).toBe(true);
    expectError(await ui.get('/api/upcoming?hours=soon'), 400, 'ERR_INVALID_OPTION');
  });

  it('gives the supervisor: null, then the one keepRestarting starts', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', script('lines.js'));
    const ui = await kit.serve(ex);
    expect(ok(await ui.get('/api/supervisor'))).toBeNull();

    const supervised = eventOf(ex, 'log', (e) => e.message.startsWith('Supervising'));
    kit.supervise(ex);
    await supervised;
    const info = ok(await ui.get<{ pid: number; hostname: string; since: string }>('/api/supervisor'));
    expect(info).toEqual(asJson(await ex.getSupervisor()));
    expect(info).toMatchObject({ pid: process.pid, hostname: os.hostname() });
    expect(Number.isNaN(Date.parse(info.since))).toBe(false);
    expect(ok(await ui.get<TaskRow[]>('/api/tasks'))[0]!.supervisor).toEqual(info);
  });
});

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
