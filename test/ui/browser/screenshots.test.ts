// The screenshots of docs/dashboard.md (issue 15), taken by the test run so that they can be retaken: the task table
// with tasks in mixed states, a program's task page, and a failed run's page, at 1280×800. Every run takes them (each
// in well under a second) into a temp folder; `SCREENSHOTS=1` writes them to docs/images/dashboard-*.png instead.
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Executor, RunRecord } from '../../../src/index.js';
import { T } from '../../helpers/time.js';
import { BROWSER_FIXTURES, rowSelector, useBrowser } from './browser.js';

const kit = useBrowser();

const DOCS_IMAGES = fileURLToPath(new URL('../../../docs/images/', import.meta.url));

/** Each screenshot may take this long (goal: < 1 s; the margin is for a loaded machine). */
const SHOT_MS = 3_000;

/** A run of `name` with `data` (step.js reads `data.fail`), once it has ended. */
async function ran(ex: Executor, name: string, data: unknown = null): Promise<RunRecord> {
  return ex.waitRun(await ex.runTask(name, { data }), { timeout: T(20_000) });
}

/** A folder with tasks in mixed states: running, scheduled, succeeded, failed, stopped, disabled, and a program. */
async function showcase(ex: Executor): Promise<RunRecord> {
  const wd = BROWSER_FIXTURES;
  await ex.addTask('web', { script: 'tick.js', wd, tags: ['front'], env: { TICK_MS: 1_000 } });
  await ex.addTask('api', { script: 'tick.js', wd, tags: ['back'], env: { TICK_MS: 1_000 } });
  await ex.addTask('report', { script: 'once.js', wd, period: '1 hour', tags: ['nightly'] });
  await ex.addTask('backup', { script: 'once.js', wd, infiniteLoop: false, tags: ['nightly'], env: { EXIT_CODE: 2 } });
  await ex.addTask('mailer', { script: 'tick.js', wd, tags: ['back'] });
  await ex.addTask('cleanup', { script: 'once.js', wd, infiniteLoop: false, tags: ['nightly'] });
  await ex.addTask('etl', {
    wd, tags: ['back', 'nightly'], skipExitCodes: [4],
    steps: [{ name: 'extract', script: 'step.js' }, { name: 'transform', script: 'step.js' }, { name: 'load', script: 'step.js' }, { name: 'notify', script: 'step.js' }],
  });
  for (const name of ['web', 'api', 'report', 'mailer']) await ex.startTask(name);
  await ran(ex, 'backup');
  await ex.stopTask('mailer');
  await ex.disableTask('cleanup');
  await ran(ex, 'etl');
  await ran(ex, 'etl', { fail: { step: 'notify', exitCode: 4 } });
  await ran(ex, 'etl');
  const failed = await ran(ex, 'etl', { day: '2026-01-15', fail: { step: 'load', exitCode: 3, message: 'load: the warehouse refused 3 rows (duplicate key "2026-01-15")' } });
  await ran(ex, 'etl');
  await ex.waitFor('web', 'running', { timeout: T(10_000) });
  await ex.waitFor('api', 'running', { timeout: T(10_000) });
  return failed;
}

/** Screenshots `page` into `dir/name` within SHOT_MS, and checks the file. */
async function shoot(page: Page, dir: string, name: string): Promise<number> {
  const file = path.join(dir, name);
  const started = performance.now();
  await page.screenshot({ path: file, timeout: T(SHOT_MS) });
  const ms = performance.now() - started;
  expect(statSync(file).size, file).toBeGreaterThan(10_000);
  expect(ms, `${name} took ${Math.round(ms)} ms`).toBeLessThan(T(SHOT_MS));
  return ms;
}

describe('screenshots', () => {
  it('takes the table, a task page and a run page at 1280×800', async () => {
    const { ex, dir } = kit.make();
    const failed = await showcase(ex);
    expect(failed.status).toBe('failed');
    const ui = await kit.serve(ex);
    const out = process.env.SCREENSHOTS === '1' ? DOCS_IMAGES : path.join(dir, 'shots');
    mkdirSync(out, { recursive: true });
    const page = await kit.page();

    await page.goto(ui.url);
    await page.locator(rowSelector('web', '[data-status="running"]')).waitFor({ timeout: T(5_000) });
    const statuses = await page.locator('tr[data-task]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')));
    expect(new Set(statuses).size, statuses.join(' ')).toBeGreaterThanOrEqual(4);
    await shoot(page, out, 'dashboard-table.png');

    await page.goto(new URL('/tasks/etl', ui.url).href);
    expect(await page.locator('[data-run-row]').count()).toBe(5);
    await shoot(page, out, 'dashboard-task.png');

    await page.goto(new URL(`/runs/${failed.runId}`, ui.url).href);
    expect(await page.locator('[data-step="load"]').getAttribute('data-status')).toBe('failed');
    await shoot(page, out, 'dashboard-run.png');
  });
});
