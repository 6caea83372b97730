// The API as the issue writes its URLs: empty query values mean "not given", a doubled slash is the same route,
// another loopback address accepts its own Host; the log page links run ids and task names; a stderr view is not
// followed live as if it were stdout.
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/index.js';
import { T } from '../helpers/time.js';
import { UI_FIXTURES, useDashboard } from './kit.js';

const kit = useDashboard();

describe('queries and links', () => {
  it('reads ?task=&status=&limit= and ?n=&run=&stream=&step= with empty values as absent', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', { script: 'lines.js', wd: UI_FIXTURES, infiniteLoop: false });
    await ex.waitRun(await ex.runTask('job'), { timeout: T(15_000) });
    const ui = await kit.serve(ex);
    const runs = await ui.get<RunRecord[]>('/api/runs?task=&status=&limit=');
    expect(runs.status, runs.text).toBe(200);
    expect(runs.json.map((r) => r.task)).toEqual(['job']);
    const out = await ui.get<string[]>('/api/tasks/job/out?n=&run=&stream=&step=');
    expect(out.status, out.text).toBe(200);
    expect(out.json.at(-1)).toBe('line 10');
    expect((await ui.get<string[]>('/api/log?n=')).status).toBe(200);
    expect((await ui.get('/api/tasks?tag=')).status).toBe(200);
    expect((await ui.get('/api/upcoming?hours=')).status).toBe(200);
    const doubled = await ui.get<unknown[]>('//api/tasks');
    expect(doubled.status).toBe(200);
    expect(doubled.json).toHaveLength(1);
  });

  it('accepts its own address as Host on a loopback address other than 127.0.0.1', async () => {
    const { ex } = kit.make();
    const ui = await kit.serve(ex, { host: '127.0.0.2' });
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\/$/);
    expect((await ui.get('/api/tasks')).status).toBe(200);
    expect((await ui.raw({ path: '/api/tasks', headers: { Host: 'evil.example' } })).status).toBe(403);
  });

  it('links run ids and task names in the log page, and does not follow a stderr view live', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', { script: 'lines.js', wd: UI_FIXTURES, infiniteLoop: false, stderr: 'separate', env: { ERR_LINES: '2' } });
    const runId = await ex.runTask('job');
    await ex.waitRun(runId, { timeout: T(15_000) });
    const ui = await kit.serve(ex);
    const log = (await ui.get('/log')).text;
    expect(log).toContain(`<a href="/runs/${runId}" class="mono">${runId}</a>`);
    expect(log).toContain('<a href="/tasks/job">job</a>');
    const stderr = (await ui.get('/tasks/job/out?stream=stderr')).text;
    expect(stderr).toContain('<span data-line>err 2</span>');
    expect(stderr).not.toContain('data-follow=');
    expect((await ui.get('/tasks/job/out')).text).toContain('data-follow="job"');
  });
});
