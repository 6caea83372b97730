// The dashboard's guards in a real browser (issue 15): read-only mode hides every control and the server refuses them
// (403) even from the page itself; off loopback a token is required (401 without it, the table with ?token=, then a
// cookie); a wrong Host is refused (403); a task printing HTML has it shown as text, never run.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../../src/index.js';
import { T } from '../../helpers/time.js';
import { waitUntil } from '../../helpers/wait.js';
import { BROWSER_FIXTURES, request, rowSelector, useBrowser } from './browser.js';

const kit = useBrowser();

const HTML_LINE = '<img src=x onerror=alert(1)>';

/** The first non-internal IPv4 address of this machine, or null when it has none. */
function nonLoopbackIPv4(): string | null {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal && !a.address.startsWith('127.')) return a.address;
  }
  return null;
}

/** A folder with a running `web` task and a finished program run (so that every kind of page has something). */
async function populated(ex: Executor): Promise<string> {
  await ex.addTask('web', { script: 'tick.js', wd: BROWSER_FIXTURES });
  await ex.addTask('etl', { wd: BROWSER_FIXTURES, steps: [{ name: 'extract', script: 'step.js' }, { name: 'load', script: 'step.js' }] });
  const runId = await ex.runTask('etl');
  await ex.waitRun(runId, { timeout: T(20_000) });
  return runId;
}

describe('read-only mode', () => {
  it('renders no [data-action] control on any page, not even after live updates, and refuses a POST from the page with 403', async () => {
    const { ex } = kit.make();
    const runId = await populated(ex);
    const ui = await kit.serve(ex, { readOnly: true });
    const page = await kit.page();
    for (const path of ['/', '/upcoming', '/tasks/web', '/tasks/web/out', '/tasks/etl', `/runs/${runId}`, '/log']) {
      await page.goto(new URL(path, ui.url).href);
      expect(await page.locator('body').getAttribute('data-read-only'), path).toBe('true');
      expect(await page.locator('[data-action]').count(), path).toBe(0);
      expect(await page.locator('[data-input]').count(), path).toBe(0);
    }

    // The client re-renders a row when it changes: still without controls.
    await page.goto(ui.url);
    await ex.startTask('web');
    await page.locator(rowSelector('web', '[data-status="running"]')).waitFor({ timeout: T(10_000) });
    expect(await page.locator('[data-action]').count()).toBe(0);

    kit.allowConsoleError(/status of 403/);
    const answers = await page.evaluate(async (run) => {
      const posts = ['/api/tasks/web/stop', '/api/tasks/web/restart', '/api/tasks/etl/run', '/api/tasks/web/disable', `/api/runs/${run}/save`, '/api/events/deploy'];
      const out: { path: string; status: number; code: string }[] = [];
      for (const path of posts) {
        const r = await fetch(path, { method: 'POST', headers: { 'X-Executor': '1', 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'x' }) });
        const body = (await r.json()) as { error?: { code?: string } };
        out.push({ path, status: r.status, code: String(body.error?.code) });
      }
      return out;
    }, runId);
    for (const answer of answers) expect(answer, answer.path).toMatchObject({ status: 403, code: 'ERR_READ_ONLY_DASHBOARD' });
    const web = (await ex.listTasks()).find((r) => r.name === 'web')!;
    expect(web).toMatchObject({ status: 'running', enabled: true });
    expect(await ex.listRuns({ task: 'etl' })).toHaveLength(1);
    expect(await ex.listRuns({ saved: true })).toEqual([]);
  });
});

describe('security', () => {
  it('off loopback: 401 without the token, the table with ?token= (moved into an HttpOnly SameSite=Strict cookie), then live updates', async () => {
    const ip = nonLoopbackIPv4();
    if (ip === null) {
      // Not skipped: the rest of this file still runs; this machine has no address to reach the server off loopback.
      expect(ip, 'this machine has no non-loopback IPv4 address (os.networkInterfaces()): the off-loopback check cannot run here').toBeNull();
      return;
    }
    const { ex } = kit.make();
    await ex.addTask('web', { script: 'tick.js', wd: BROWSER_FIXTURES });
    const ui = await kit.serve(ex, { host: '0.0.0.0' });
    expect(ui.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const base = `http://${ip}:${new URL(ui.url).port}/`;
    const page = await kit.page();

    // The 401 page's own stylesheet and script are refused too (no token yet): those errors are expected here only.
    const allowRefused = kit.allowConsoleError(/status of 401|Refused to apply style from .*\/assets\/app\.css/);
    const refused = await page.goto(base);
    expect(refused?.status()).toBe(401);
    expect(await page.locator('[data-table="tasks"]').count()).toBe(0);
    expect(await page.locator('body').textContent()).toContain('ERR_UNAUTHORIZED');
    allowRefused();

    const opened = await page.goto(`${base}?token=${ui.token}`);
    expect(opened?.status()).toBe(200);
    expect(page.url(), 'the token leaves the address bar').toBe(base);
    const cookie = (await page.context().cookies(base)).find((c) => c.name === 'executor_token');
    expect(cookie).toMatchObject({ value: ui.token, httpOnly: true, sameSite: 'Strict', path: '/' });
    await page.locator(rowSelector('web', '[data-status="idle"]')).waitFor({ timeout: T(5_000) });

    // The cookie carries the page's own API calls and its live stream.
    expect(await page.evaluate(async () => (await fetch('/api/tasks')).status)).toBe(200);
    await ex.startTask('web');
    await page.locator(rowSelector('web', '[data-status="running"]')).waitFor({ timeout: T(10_000) });
  });

  it('refuses a request with a wrong Host header (DNS rebinding) with 403, pages and API alike', async () => {
    const { ex } = kit.make();
    await ex.addTask('web', { script: 'tick.js', wd: BROWSER_FIXTURES });
    const ui = await kit.serve(ex);
    for (const path of ['/', '/api/tasks']) {
      const evil = await request(ui.url, { path, headers: { Host: 'evil.example' } });
      expect(evil.status, path).toBe(403);
      expect(evil.text, path).toContain('ERR_FORBIDDEN_HOST');
      const rebound = await request(ui.url, { path, headers: { Host: `evil.example:${new URL(ui.url).port}` } });
      expect(rebound.status, path).toBe(403);
      const good = await request(ui.url, { path, headers: { Host: `localhost:${new URL(ui.url).port}` } });
      expect(good.status, path).toBe(200);
    }
  });

  it('shows a task printing <img src=x onerror=alert(1)> as text in [data-line], live lines too, with no img element and no alert', async () => {
    const { ex } = kit.make();
    await ex.addTask('html', { script: 'html.js', wd: BROWSER_FIXTURES, env: { TICK_MS: 200 } });
    await ex.startTask('html');
    await waitUntil(async () => (await ex.readOut('html', 5)).length >= 2, { what: 'two html lines' });
    const ui = await kit.serve(ex);
    const page = await kit.page();
    await page.goto(new URL('/tasks/html/out', ui.url).href);
    const lines = page.locator('[data-output] [data-line]');
    const before = await lines.count();
    expect(await lines.first().textContent()).toBe(HTML_LINE);
    await lines.nth(before + 1).waitFor({ state: 'attached', timeout: T(10_000) }); // lines added by the page's script
    const texts = await lines.allTextContents();
    expect(texts.length).toBeGreaterThan(before);
    expect(new Set(texts)).toEqual(new Set([HTML_LINE]));
    expect(await page.locator('img').count()).toBe(0);

    const [run] = await ex.listRuns({ task: 'html', limit: 1 });
    await page.goto(new URL(`/runs/${run!.runId}`, ui.url).href);
    expect(await page.locator('[data-output] [data-line]').first().textContent()).toBe(HTML_LINE);
    expect(await page.locator('img').count()).toBe(0);
  });
});
