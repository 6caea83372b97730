// Test helper for the dashboard's browser suites (issue 15): one headless Chromium per test file (playwright-core
// driving Debian's /usr/bin/chromium), pages that record console errors, page errors, dialogs and CSP violations
// (a test that has any fails), dashboards served on free ports and supervisors, all closed after each test.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Executor, SupervisorHandle } from '../../../src/index.js';
import type { ServeHandle, ServeOptions } from '../../../src/ui/options.js';
import { useExecutors, type ExecutorKit } from '../../helpers/executor.js';
import { T } from '../../helpers/time.js';

/** Absolute path of `test/fixtures/ui/browser/` (the `wd` of the browser tests' tasks). */
export const BROWSER_FIXTURES = fileURLToPath(new URL('../../fixtures/ui/browser/', import.meta.url));

/** The browser the suites drive: Debian's Chromium (`apt-get install chromium`). */
export const CHROMIUM = '/usr/bin/chromium';

/** The viewport of every page (and of the screenshots in docs/dashboard.md). */
export const VIEWPORT = { width: 1280, height: 800 } as const;

/** Deadline of one browser wait (a locator, a navigation), unscaled: pass it as `T(UI_WAIT_MS)`. */
export const UI_WAIT_MS = 10_000;

// Runs in every page before its own scripts (not subject to the page's CSP): reports CSP violations to the test.
const CSP_LISTENER = "document.addEventListener('securitypolicyviolation', (e) => {"
  + " window.__executorCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`); });";

/** What `useBrowser()` gives a test file. */
export interface BrowserKit extends ExecutorKit {
  /** `ex.serve({ port: 0, ...options })`; closed after the test. */
  serve(ex: Executor, options?: ServeOptions): Promise<ServeHandle>;
  /** A new page (1280×800) that records problems; closed after the test, which fails if it recorded any. */
  page(): Promise<Page>;
  /**
   * Console errors matching `pattern` do not fail this test (e.g. the 403 a refused `fetch` logs) until the returned
   * function is called (or the test ends).
   */
  allowConsoleError(pattern: RegExp): () => void;
  /** `ex.keepRestarting({ sleep: 0.2 })`, stopped after the test. */
  supervise(ex: Executor): SupervisorHandle;
}

/**
 * Registers the browser (launched before the file's tests, closed after them) and an afterEach that closes the
 * test's pages, dashboards and supervisors, then fails the test if a page logged an error, threw, opened a dialog
 * or violated its Content-Security-Policy. useExecutors' cleanup (stop every task, remove the folders) runs after it.
 */
export function useBrowser(): BrowserKit {
  const kit = useExecutors();
  let browser: Browser | null = null;
  const pages: Page[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  const problems: string[] = [];
  let allowed: RegExp[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'], timeout: T(30_000) });
  });
  afterAll(async () => {
    await browser?.close();
    browser = null;
  });
  // Registered after useExecutors' hook, so it runs first (vitest runs after-hooks as a stack).
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.close().catch(() => undefined);
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
    const found = problems.splice(0);
    allowed = [];
    if (found.length > 0) throw new Error(`The pages reported ${found.length} problem(s):\n${found.join('\n')}`);
  });

  const record = (page: Page): void => {
    const where = (): string => page.url();
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      const text = message.text();
      if (!allowed.some((pattern) => pattern.test(text))) problems.push(`console error on ${where()}: ${text}`);
    });
    page.on('pageerror', (error) => problems.push(`page error on ${where()}: ${error.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`dialog on ${where()}: ${dialog.type()} ${dialog.message()}`);
      void dialog.dismiss().catch(() => undefined);
    });
  };

  return {
    ...kit,
    async serve(ex, options = {}) {
      const handle = await ex.serve({ port: 0, ...options });
      closers.push(() => handle.close());
      return handle;
    },
    async page() {
      if (browser === null) throw new Error('useBrowser(): the browser is not launched (call page() inside a test)');
      const page = await browser.newPage({ viewport: VIEWPORT });
      pages.push(page);
      page.setDefaultTimeout(T(UI_WAIT_MS));
      page.setDefaultNavigationTimeout(T(UI_WAIT_MS));
      record(page);
      await page.exposeFunction('__executorCspViolation', (text: string) => { problems.push(`CSP violation on ${page.url()}: ${text}`); });
      await page.addInitScript(CSP_LISTENER);
      return page;
    },
    allowConsoleError(pattern) {
      allowed.push(pattern);
      return () => { allowed = allowed.filter((p) => p !== pattern); };
    },
    supervise(ex) {
      const handle = ex.keepRestarting({ sleep: 0.2 });
      closers.push(() => handle.stop());
      return handle;
    },
  };
}

/** The selector of a task's row, `tr[data-task="NAME"]`, with `extra` appended (e.g. `[data-status="running"]`). */
export function rowSelector(name: string, extra = ''): string {
  return `tr[data-task="${name}"]${extra}`;
}

/**
 * Waits until the page's `[data-result]` reports `status` (`ok` or `error`) with a text matching `text`, and gives that
 * text (pass `text` when an earlier control already wrote a result on the page).
 */
export async function resultOf(page: Page, status: 'ok' | 'error' = 'ok', text?: RegExp): Promise<string> {
  const selector = `[data-result][data-result-status="${status}"]`;
  const result = (text === undefined ? page.locator(selector) : page.locator(selector, { hasText: text })).first();
  await result.waitFor({ state: 'visible', timeout: T(UI_WAIT_MS) });
  return (await result.textContent()) ?? '';
}

/** One plain HTTP answer. */
export interface RawReply { status: number; headers: http.IncomingHttpHeaders; text: string }

/** A GET of `path` on the server at `base` with node:http, so that any header (`Host` included) can be sent. */
export function request(base: string, spec: { path: string; headers?: Record<string, string> }): Promise<RawReply> {
  const url = new URL(base);
  const timeoutMs = T(15_000);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: spec.path, headers: spec.headers ?? {}, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET ${spec.path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}
