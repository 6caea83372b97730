// The dashboard's JSON API, reads (issue 15): every GET under /api against the SDK call it wraps, with its errors.
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type RunRecord, type TaskRow } from '../../src/index.js';
import { eventOf } from '../helpers/folder.js';
import { T } from '../helpers/time.js';
import { asJson, stable, UI_FIXTURES, useDashboard } from './kit.js';
import { DECISION_KINDS, expectError, ok, ranOnce, script, type ApiError, type Detail } from './api-helpers.js';

const kit = useDashboard();

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

