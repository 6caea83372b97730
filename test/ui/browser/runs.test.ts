// The dashboard's run page in a real browser (issue 15): a failed program's steps with their statuses, exit codes,
// error message and output; saving a run with a name and description; cancelling a live run.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Executor, RunRecord } from '../../../src/index.js';
import { T } from '../../helpers/time.js';
import { waitUntil } from '../../helpers/wait.js';
import { BROWSER_FIXTURES, resultOf, useBrowser } from './browser.js';

const kit = useBrowser();

const MESSAGE = 'load: the warehouse refused 3 rows <b>& more</b>';

/** A program of four steps: `extract` completes, `optional` is skipped (exit 4), `load` fails (exit 3), `report` never runs. */
async function addFailingProgram(ex: Executor): Promise<void> {
  await ex.addTask('etl', {
    wd: BROWSER_FIXTURES,
    steps: [
      { name: 'extract', script: 'step.js' },
      { name: 'optional', script: 'step.js', env: { EXIT_CODE: 4 } },
      { name: 'load', script: 'step.js', env: { EXIT_CODE: 3, MESSAGE } },
      { name: 'report', script: 'step.js' },
    ],
    skipExitCodes: [4],
  });
}

/** A run of `name` started with the SDK, once it has ended. */
async function finishedRun(ex: Executor, name: string): Promise<RunRecord> {
  const runId = await ex.runTask(name);
  return ex.waitRun(runId, { timeout: T(20_000) });
}

describe('the run page', () => {
  it('shows a failed program\'s steps with their statuses (completed, skipped, failed, unprocessed), exit codes, error message and output', async () => {
    const { ex } = kit.make();
    await addFailingProgram(ex);
    const run = await finishedRun(ex, 'etl');
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toBe(MESSAGE);
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(new URL(`/runs/${run.runId}`, ui.url).href);

    const body = page.locator('body');
    expect(await body.getAttribute('data-page')).toBe('run');
    expect(await body.getAttribute('data-run')).toBe(run.runId);
    expect(await body.getAttribute('data-run-status')).toBe('failed');
    const expected: [string, string][] = [['extract', 'completed'], ['optional', 'skipped'], ['load', 'failed'], ['report', 'unprocessed']];
    expect(await page.locator('[data-step]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-step'), r.getAttribute('data-status')]))).toEqual(expected);
    for (const [name, status] of expected) expect(await page.locator(`[data-step="${name}"] [data-badge]`).textContent(), name).toContain(status);

    const load = page.locator('[data-step="load"]');
    expect(await load.textContent()).toContain(MESSAGE); // shown as text: the markup in the message is not parsed
    expect(await load.locator('b').count()).toBe(0);
    expect((await load.locator('td').allTextContents()).map((t) => t.trim())).toContain('3');
    expect((await page.locator('[data-step="optional"] td').allTextContents()).map((t) => t.trim())).toContain('4');

    expect(await page.locator('[data-step-output="extract"] [data-line]').allTextContents()).toEqual(['output of extract']);
    expect(await page.locator('[data-step-output="load"] [data-line]').allTextContents()).toEqual(['output of load', MESSAGE]);
    expect(await page.locator('[data-step-output="report"] [data-line]').count()).toBe(0);
    expect(await page.locator('a[href="/tasks/etl"]').count()).toBeGreaterThan(0);
  });

  it('follows a program run live: its steps change status on the open page, without a reload, until the run fails', async () => {
    const { ex, dir } = kit.make();
    const go = path.join(dir, 'go');
    await ex.addTask('etl', {
      wd: BROWSER_FIXTURES,
      steps: [
        { name: 'extract', script: 'step.js', env: { GO_FILE: go } },
        { name: 'load', script: 'step.js', env: { EXIT_CODE: 3, MESSAGE } },
        { name: 'report', script: 'step.js' },
      ],
    });
    const runId = await ex.runTask('etl');
    await waitUntil(async () => (await ex.getRun(runId)).steps[0]?.status === 'running', { what: 'extract running' });
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(new URL(`/runs/${runId}`, ui.url).href);
    expect(await page.locator('[data-step]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))).toEqual(['running', 'pending', 'pending']);
    await page.evaluate('window.__executorSameDocument = true');

    writeFileSync(go, '');
    await page.locator('body[data-run-status="failed"]').waitFor({ timeout: T(15_000) });
    await page.locator('[data-step="report"][data-status="unprocessed"]').waitFor({ timeout: T(5_000) });
    expect(await page.locator('[data-step]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status')))).toEqual(['completed', 'failed', 'unprocessed']);
    await page.locator('[data-step="load"]', { hasText: MESSAGE }).waitFor({ timeout: T(5_000) });
    await page.locator('[data-step-output="load"] [data-line]', { hasText: MESSAGE }).waitFor({ timeout: T(5_000) });
    expect(await page.evaluate('window.__executorSameDocument === true')).toBe(true);
  });

  it('saves a run with a name and a description: the result shows on the page and listRuns({ saved: true }) has it', async () => {
    const { ex } = kit.make();
    await ex.addTask('report', { script: 'once.js', wd: BROWSER_FIXTURES, infiniteLoop: false });
    const run = await finishedRun(ex, 'report');
    await finishedRun(ex, 'report');
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(new URL(`/runs/${run.runId}`, ui.url).href);

    await page.locator('input[data-input="name"]').fill('baseline');
    await page.locator('input[data-input="description"]').fill('the run before the upgrade');
    await page.click(`button[data-action="save"][data-run="${run.runId}"]`);
    await resultOf(page, 'ok');

    const saved = await ex.listRuns({ saved: true });
    expect(saved.map((r) => r.runId)).toEqual([run.runId]);
    expect(saved[0]!.saved).toMatchObject({ name: 'baseline', description: 'the run before the upgrade' });
  });

  it('shows a failed save as CODE: message without reloading (a name that is too long)', async () => {
    const { ex } = kit.make();
    await ex.addTask('report', { script: 'once.js', wd: BROWSER_FIXTURES, infiniteLoop: false });
    const run = await finishedRun(ex, 'report');
    const ui = await kit.serve(ex);
    const page = await kit.page();
    kit.allowConsoleError(/status of 400/);
    await page.goto(new URL(`/runs/${run.runId}`, ui.url).href);

    await page.locator('input[data-input="name"]').fill('x'.repeat(201));
    await page.click('button[data-action="save"]');
    expect(await resultOf(page, 'error')).toMatch(/^ERR_INVALID_\w+: Expected .* got /);
    expect(await ex.listRuns({ saved: true })).toEqual([]);
  });

  it('cancels a live run from its page: the run ends cancelled, its running step cancelled and the next one unprocessed', async () => {
    const { ex } = kit.make();
    await ex.addTask('slow', {
      wd: BROWSER_FIXTURES,
      steps: [{ name: 'wait', script: 'step.js', env: { HOLD: '1' } }, { name: 'after', script: 'step.js' }],
    });
    const runId = await ex.runTask('slow');
    await waitUntil(async () => (await ex.getRun(runId)).steps[0]?.status === 'running', { what: 'the first step running' });
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(new URL(`/runs/${runId}`, ui.url).href);
    expect(await page.locator('body').getAttribute('data-run-status')).toBe('running');
    expect(await page.locator('[data-step="wait"]').getAttribute('data-status')).toBe('running');

    await page.click(`button[data-action="cancel"][data-run="${runId}"]`);
    await resultOf(page, 'ok');
    const run = await ex.waitRun(runId, { timeout: T(15_000) });
    expect(run.status).toBe('cancelled');
    expect(run.steps.map((s) => s.status)).toEqual(['cancelled', 'unprocessed']);
    await page.locator('body[data-run-status="cancelled"]').waitFor({ timeout: T(10_000) }); // live, then after a reload

    await page.reload();
    expect(await page.locator('body').getAttribute('data-run-status')).toBe('cancelled');
    expect(await page.locator('[data-step="wait"]').getAttribute('data-status')).toBe('cancelled');
    expect(await page.locator('[data-step="after"]').getAttribute('data-status')).toBe('unprocessed');
  });
});
