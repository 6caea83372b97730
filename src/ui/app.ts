// The dashboard as one Hono app: the guard, the JSON API and its live stream, the controls, the pages and their assets.
import { Hono, type Context } from 'hono';
import type { DashboardSdk } from './sdk.js';
import { registerApi } from './api.js';
import { registerAssets } from './assets.js';
import { TableFeed } from './changes.js';
import { registerControls } from './controls.js';
import { HttpRefusal, httpError } from './http-errors.js';
import { LineFeeds } from './line-feed.js';
import type { CheckedServeOptions } from './options.js';
import { registerPages } from './page-routes.js';
import { renderErrorPage, type PageContext } from './pages/index.js';
import { guard } from './security.js';
import { streamRoute } from './stream.js';

/** The app and what must be ended when the server closes. */
export interface DashboardApp { app: Hono; close(): void }

const isApi = (c: Context): boolean => new URL(c.req.url).pathname.startsWith('/api/');

/**
 * Builds the dashboard for `ex`: every route behind the guard; failures answered as `{ error: { code, message } }`
 * under `/api/` and as an error page elsewhere.
 * @example `const { app } = createApp(ex, checkServeOptions({}), null);`
 */
export function createApp(ex: DashboardSdk, options: CheckedServeOptions, token: string | null): DashboardApp {
  // `//api/tasks` is `/api/tasks` (a base URL joined with a leading slash), never a protocol-relative path.
  const app = new Hono({ getPath: (request) => new URL(request.url).pathname.replace(/\/{2,}/g, '/') });
  const table = new TableFeed(ex);
  const lines = new LineFeeds();
  const closing = new AbortController();
  const context = async (): Promise<PageContext> => ({ readOnly: options.readOnly, now: Date.now(), supervisor: await ex.getSupervisor() });
  app.use('*', guard(options, token));
  app.get('/api/stream', (c) => streamRoute(c, { ex, table, lines, closing: closing.signal }));
  registerApi(app, ex);
  registerControls(app, ex);
  registerAssets(app);
  registerPages(app, ex, context);
  app.notFound((c) => {
    throw new HttpRefusal(404, 'ERR_NOT_FOUND', `Expected a dashboard page or API route, got ${c.req.method} ${new URL(c.req.url).pathname}.`);
  });
  app.onError(async (error, c) => {
    const { status, body } = httpError(error);
    if (isApi(c) || c.req.method !== 'GET') return c.json(body, status);
    const ctx: PageContext = { readOnly: options.readOnly, now: Date.now(), supervisor: null };
    return c.html(renderErrorPage(ctx, status, body.error.code, body.error.message), status);
  });
  return {
    app,
    close() {
      closing.abort();
      table.close();
      lines.close();
    },
  };
}
