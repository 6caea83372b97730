// The dashboard's pages: each reads what its API route reads and hands it to a pure renderer (src/ui/pages/).
import type { Context, Hono } from 'hono';
import type { DashboardSdk } from './sdk.js';
import { assertTaskName } from '../task/name.js';
import { outQuery, taskDetail, upcoming } from './api.js';
import { FIRST_PAINT_ROWS, renderLogPage, renderOutputPage, renderRunPage, renderTablePage, renderTaskPage, renderUpcomingPage, type PageContext, type RunOutputs } from './pages/index.js';
import type { RunRecord } from '../store/records.js';
import { logSnapshot, outputSnapshot } from './snapshot.js';

/** Lines of each output shown on a run page. */
export const RUN_PAGE_LINES = 200;
/** Lines of the executor log shown on the log page. */
export const LOG_PAGE_LINES = 500;
/** Lines of output shown on an output page when `n` is not given. */
export const OUTPUT_PAGE_LINES = 500;

async function runOutputs(ex: DashboardSdk, run: RunRecord): Promise<RunOutputs> {
  const read = (options: { run: string; step?: string }): Promise<string[]> => ex.readOut(run.task, RUN_PAGE_LINES, options).catch(() => []);
  if (run.steps.length === 0) return { lines: await read({ run: run.runId }) }; // a script run
  const entries = await Promise.all(run.steps.map(async (step) => [step.name, step.status === 'pending' || step.status === 'unprocessed' ? [] : await read({ run: run.runId, step: step.name })] as const));
  return { steps: Object.fromEntries(entries) };
}

/**
 * Registers the HTML routes: `/`, `/upcoming`, `/tasks/:name`, `/tasks/:name/out`, `/runs/:runId`, `/log`.
 * @example `registerPages(app, ex, () => pageContext)`
 */
export function registerPages(app: Hono, ex: DashboardSdk, context: () => Promise<PageContext>): void {
  const html = async (c: Context, render: (ctx: PageContext) => Promise<string> | string): Promise<Response> => {
    c.header('Cache-Control', 'no-store');
    return c.html(await render(await context()));
  };
  app.get('/', (c) => html(c, async (ctx) => renderTablePage(ctx, await ex.listTasks(), c.req.query('all') === '1' ? Infinity : FIRST_PAINT_ROWS)));
  app.get('/upcoming', (c) => html(c, async (ctx) => renderUpcomingPage(ctx, await upcoming(ex))));
  app.get('/tasks/:name', (c) => html(c, async (ctx) => renderTaskPage(ctx, await taskDetail(ex, c.req.param('name')))));
  app.get('/tasks/:name/out', (c) => html(c, async (ctx) => {
    const name = c.req.param('name');
    assertTaskName(name);
    const q = c.req.query();
    const { n, options } = outQuery({ ...q, n: q.n ?? String(OUTPUT_PAGE_LINES) });
    const archives = await ex.listOutputs(name); // an unknown task: 404 here
    const followed = options.run === undefined && options.stream === undefined && options.step === undefined;
    // A script's current output is shown up to a noted point, and followed from it (a program's steps: from now).
    const script = followed && (await ex.listTasks()).find((row) => row.name === name)?.steps === null;
    const { lines, mark } = script ? await outputSnapshot(ex, name, n) : { lines: await ex.readOut(name, n, options), mark: null };
    return renderOutputPage(ctx, { name, lines, archives, run: options.run === undefined ? null : String(options.run), mark, follow: followed });
  }));
  app.get('/runs/:runId', (c) => html(c, async (ctx) => {
    const run = await ex.getRun(c.req.param('runId'));
    return renderRunPage(ctx, run, await runOutputs(ex, run));
  }));
  app.get('/log', (c) => html(c, async (ctx) => {
    const [{ lines, mark }, rows] = await Promise.all([logSnapshot(ex, LOG_PAGE_LINES), ex.listTasks()]);
    return renderLogPage(ctx, lines, mark, new Set(rows.map((row) => row.name)));
  }));
}
