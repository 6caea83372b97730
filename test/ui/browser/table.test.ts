// The dashboard's task table in a real browser (issue 15): a row's start and stop buttons, the emit form, and the
// no-supervisor banner, each seen to change the page live (server-sent events), without a reload.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { T } from '../../helpers/time.js';
import { waitUntil } from '../../helpers/wait.js';
import { BROWSER_FIXTURES, resultOf, rowSelector, useBrowser } from './browser.js';

const kit = useBrowser();

/** Marks the document, so that `stillSameDocument` can tell a reload (or a navigation) from a live update. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate('window.__executorSameDocument = true');
}

/** True when the page was neither reloaded nor navigated since `markDocument`. */
async function stillSameDocument(page: Page): Promise<boolean> {
  return (await page.evaluate('window.__executorSameDocument === true')) === true;
}

describe('the task table', () => {
  it('starts a task from its row and sees it turn running without a reload, then stops it and sees it leave running', async () => {
    const { ex } = kit.make();
    await ex.addTask('web', { script: 'tick.js', wd: BROWSER_FIXTURES });
    await ex.addTask('db', { script: 'tick.js', wd: BROWSER_FIXTURES });
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(ui.url);
    const row = page.locator(rowSelector('web'));
    expect(await row.getAttribute('data-status')).toBe('idle');
    await markDocument(page);

    await page.click(`${rowSelector('web')} button[data-action="start"]`);
    await page.locator(rowSelector('web', '[data-status="running"]')).waitFor({ timeout: T(10_000) });
    await resultOf(page, 'ok');
    expect((await ex.listTasks()).find((r) => r.name === 'web')).toMatchObject({ status: 'running' });
    expect(await row.locator('[data-badge]').textContent()).toContain('running');
    expect(await page.locator(rowSelector('db')).getAttribute('data-status')).toBe('idle');

    await page.click(`${rowSelector('web')} button[data-action="stop"]`);
    await page.locator(rowSelector('web', ':not([data-status="running"])')).waitFor({ timeout: T(10_000) });
    const after = await waitUntil(async () => (await ex.listTasks()).find((r) => r.name === 'web' && r.status !== 'running'), { what: 'web stopped' });
    expect(after.status).toBe('stopped');
    await page.locator(rowSelector('web', '[data-status="stopped"]')).waitFor({ timeout: T(5_000) });
    expect(await stillSameDocument(page)).toBe(true);
  });

  it('restarts, disables and enables a task from its row, each result shown on the page and the row kept live', async () => {
    const { ex } = kit.make();
    await ex.addTask('web', { script: 'tick.js', wd: BROWSER_FIXTURES });
    const first = await ex.startTask('web');
    await ex.waitFor('web', 'running', { timeout: T(10_000) });
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(ui.url);
    await markDocument(page);

    await page.click(`${rowSelector('web')} button[data-action="restart"]`);
    await resultOf(page, 'ok', /restart web/);
    const restarted = await waitUntil(async () => { const row = (await ex.listTasks()).find((r) => r.name === 'web' && r.status === 'running' && r.pid !== first.pid); return row; }, { what: 'web running again' });
    await page.locator(rowSelector('web', '[data-status="running"]')).filter({ hasText: String(restarted.pid) }).waitFor({ timeout: T(10_000) });

    await page.click(`${rowSelector('web')} button[data-action="stop"]`);
    await page.locator(rowSelector('web', '[data-status="stopped"]')).waitFor({ timeout: T(10_000) });
    await page.click(`${rowSelector('web')} button[data-action="disable"]`);
    // data-status stays the SDK's status (stopped); the row says disabled with data-enabled and its badge.
    await page.locator(rowSelector('web', '[data-status="stopped"][data-enabled="false"]')).waitFor({ timeout: T(10_000) });
    expect(await page.locator(`${rowSelector('web')} [data-badge]`).textContent()).toBe('disabled');
    expect((await ex.listTasks())[0]).toMatchObject({ name: 'web', enabled: false });
    await page.click(`${rowSelector('web')} button[data-action="enable"]`);
    await page.locator(rowSelector('web', ':not([data-enabled="false"])')).locator('button[data-action="disable"]').waitFor({ timeout: T(10_000) });
    expect((await ex.listTasks())[0]).toMatchObject({ name: 'web', enabled: true });
    expect(await stillSameDocument(page)).toBe(true);
  });

  it('runs a task now with JSON data from its task page, and reports data that is not JSON as ERR_INVALID_PAYLOAD without sending it', async () => {
    const { ex } = kit.make();
    await ex.addTask('job', { script: 'once.js', wd: BROWSER_FIXTURES, infiniteLoop: false });
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(new URL('/tasks/job', ui.url).href);
    expect(await page.locator('body').getAttribute('data-task-page')).toBe('job');

    await page.locator('textarea[data-input="data"]').fill('{ not json');
    await page.click('button[data-action="run"][data-task="job"]');
    expect(await resultOf(page, 'error')).toMatch(/^ERR_INVALID_PAYLOAD: /);
    expect(await ex.listRuns({ task: 'job' })).toEqual([]);

    await page.locator('textarea[data-input="data"]').fill('{"day": "2026-01-15", "rows": [1, 2]}');
    await page.click('button[data-action="run"][data-task="job"]');
    await resultOf(page, 'ok');
    const [run] = await waitUntil(async () => { const runs = await ex.listRuns({ task: 'job' }); return runs.length > 0 && runs; }, { what: 'the run' });
    expect(run).toMatchObject({ trigger: 'manual', data: { day: '2026-01-15', rows: [1, 2] } });
    await ex.waitRun(run!.runId, { timeout: T(15_000) });
    await page.locator(`[data-run-row="${run!.runId}"] a[href="/runs/${run!.runId}"]`).waitFor({ timeout: T(10_000) }); // the history, live
  });

  it('emits an event with a JSON payload from the form, and the subscribed task runs with that payload as its data', async () => {
    const { ex } = kit.make();
    await ex.addTask('deployer', { script: 'once.js', wd: BROWSER_FIXTURES, infiniteLoop: false, on: ['deploy'] });
    await ex.addTask('bystander', { script: 'once.js', wd: BROWSER_FIXTURES, infiniteLoop: false, on: ['other'] });
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(ui.url);
    await markDocument(page);
    const payload = { sha: 'abc123', files: ['a.txt', 'b <c>.txt'], n: 1 };

    const type = page.locator('input[data-input="event-type"]');
    // The form may sit in a closed <details>: open it the way a user would.
    if (!(await type.isVisible())) await page.click('details:has([data-input="event-type"]) > summary');
    await type.fill('deploy');
    await page.locator('textarea[data-input="event-payload"]').fill(JSON.stringify(payload));
    await page.click('button[data-action="emit"]');
    await resultOf(page, 'ok');

    const [run] = await waitUntil(async () => { const runs = await ex.listRuns({ task: 'deployer' }); return runs.length > 0 && runs; }, { what: 'the event run' });
    expect(run).toMatchObject({ trigger: 'event', event: 'deploy', data: payload });
    const done = await ex.waitRun(run!.runId, { timeout: T(15_000) });
    expect(done.status).toBe('succeeded');
    expect(await ex.readOut('deployer', 5, { run: run!.runId })).toContain('handled event');
    expect(await ex.listRuns({ task: 'bystander' })).toEqual([]);

    const status = (await ex.listTasks()).find((r) => r.name === 'deployer')!.status;
    await page.locator(rowSelector('deployer', `[data-status="${status}"]`)).waitFor({ timeout: T(10_000) });
    expect(await page.locator(rowSelector('bystander')).getAttribute('data-status')).toBe('idle');
    expect(await stillSameDocument(page)).toBe(true);
  });

  it('shows the no-supervisor banner without a supervisor, hides it live once keepRestarting() holds the folder, and shows it again when it stops', async () => {
    const { ex } = kit.make();
    await ex.addTask('web', { script: 'tick.js', wd: BROWSER_FIXTURES });
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(ui.url);
    const banner = page.locator('[data-banner="no-supervisor"]');
    await banner.waitFor({ state: 'visible', timeout: T(5_000) });
    expect(await banner.textContent()).toContain('schedules and restarts are paused');
    await markDocument(page);

    const supervisor = kit.supervise(ex);
    await supervisor.ready;
    await banner.waitFor({ state: 'hidden', timeout: T(10_000) });

    await supervisor.stop();
    await banner.waitFor({ state: 'visible', timeout: T(10_000) });
    expect(await stillSameDocument(page)).toBe(true);
  });
});
