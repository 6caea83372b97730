// The dashboard's read side: `GET /api/...`, each the SDK call the CLI makes, in the CLI's `--json` shapes.
import { join } from 'node:path';
import type { Hono } from 'hono';
import { InvalidOptionError } from '../errors.js';
import type { Executor } from '../executor.js';
import { FOLDER_LAYOUT } from '../store/layout.js';
import type { RunRecord, RunStatus } from '../store/records.js';
import type { TaskRow } from '../task/rows.js';
import { readTaskDecisions, type Decision } from './decisions.js';

/** Runs listed on a task page (and its history chart). */
export const TASK_PAGE_RUNS = 50;
/** Fire times shown on a task page. */
export const TASK_PAGE_NEXT_RUNS = 5;
/** Lines of the executor log `GET /api/log` answers with when `n` is not given. */
export const DEFAULT_LOG_LINES = 200;
/** How far ahead `GET /api/upcoming` looks when `hours` is not given. */
export const DEFAULT_UPCOMING_HOURS = 24;
/** The most fire times of one task that the upcoming list holds (a task every minute fills a day with 1,440). */
export const MAX_UPCOMING_PER_TASK = 1_440;

/** `GET /api/tasks/:name`: the task's row (its settings and state), its next fire times, its last runs and decisions. */
export interface TaskDetail { task: TaskRow; nextRuns: string[]; runs: RunRecord[]; decisions: Decision[] }
/** One scheduled run of the next hours, as `GET /api/upcoming` and the Upcoming page list them. */
export interface UpcomingItem { task: string; at: string }

/** A query number: digits become a number; anything else is handed on as given, for the SDK to refuse with its own message. */
export function queryNumber(value: string | undefined): number | string | undefined {
  return value === undefined ? undefined : /^\d{1,15}$/.test(value) ? Number(value) : value;
}

/** `?run=`: a number (an archive, or the Nth run back) or a run id / archive name. */
function querySelector(value: string | undefined): number | string | undefined {
  return value === undefined || value === '' ? undefined : queryNumber(value);
}

/** Reads what `GET /api/tasks/:name` answers with. */
export async function taskDetail(ex: Executor, name: string): Promise<TaskDetail> {
  const nextRuns = await ex.nextRuns(name, TASK_PAGE_NEXT_RUNS); // checks the name first: 400 or 404 before any other read
  const [rows, runs, decisions] = await Promise.all([
    ex.listTasks(),
    ex.listRuns({ task: name, limit: TASK_PAGE_RUNS }),
    readTaskDecisions(join(ex.folder, FOLDER_LAYOUT.log), name),
  ]);
  const task = rows.find((row) => row.name === name);
  if (!task) await ex.nextRuns(name, 0); // removed meanwhile: TaskNotFoundError, with its suggestions
  return { task: task!, nextRuns, runs, decisions };
}

/** Every scheduled run of the next `hours`, merged across tasks, soonest first. */
export async function upcoming(ex: Executor, hours: number = DEFAULT_UPCOMING_HOURS): Promise<UpcomingItem[]> {
  const until = Date.now() + hours * 3_600_000;
  const rows = (await ex.listTasks()).filter((row) => row.enabled && (row.period !== null || row.cron !== null));
  const lists = await Promise.all(rows.map(async (row) => (await ex.nextRuns(row.name, MAX_UPCOMING_PER_TASK).catch(() => [])).filter((at) => Date.parse(at) <= until).map((at) => ({ task: row.name, at }))));
  return lists.flat().sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.task < b.task ? -1 : 1));
}

/** `?hours=` of the upcoming list: a number of hours from 1 to 168. */
export function checkHours(value: string | undefined): number {
  if (value === undefined) return DEFAULT_UPCOMING_HOURS;
  const hours = Number(value);
  if (!/^\d{1,3}$/.test(value) || hours < 1 || hours > 168) throw new InvalidOptionError('hours', 'an integer from 1 to 168', value);
  return hours;
}

/** The options of `GET /api/runs` from its query. */
export function runsQuery(q: Record<string, string>): { task?: string; status?: RunStatus; limit?: number; saved?: boolean } {
  const options: Record<string, unknown> = {};
  if (q.task !== undefined) options.task = q.task;
  if (q.status !== undefined) options.status = q.status;
  if (q.limit !== undefined) options.limit = queryNumber(q.limit);
  if (q.saved !== undefined) options.saved = q.saved === 'true' ? true : q.saved === 'false' ? false : q.saved;
  return options as { task?: string; status?: RunStatus; limit?: number; saved?: boolean };
}

/** The `readOut` arguments of `GET /api/tasks/:name/out` from its query. */
export function outQuery(q: Record<string, string>): { n: number; options: { run?: number | string; stream?: 'stdout' | 'stderr'; step?: string } } {
  const options: Record<string, unknown> = {};
  const run = querySelector(q.run);
  if (run !== undefined) options.run = run;
  if (q.stream !== undefined) options.stream = q.stream;
  if (q.step !== undefined) options.step = q.step;
  return { n: (queryNumber(q.n) ?? 50) as number, options };
}

/**
 * Registers the GET routes of the JSON API on `app`.
 * @example `registerApi(app, ex)`
 */
export function registerApi(app: Hono, ex: Executor): void {
  app.get('/api/tasks', async (c) => c.json(await ex.listTasks(c.req.query('tag') === undefined ? {} : { tag: c.req.query('tag')! })));
  app.get('/api/tasks/:name', async (c) => c.json(await taskDetail(ex, c.req.param('name'))));
  app.get('/api/tasks/:name/out', async (c) => {
    const { n, options } = outQuery(c.req.query());
    return c.json(await ex.readOut(c.req.param('name'), n, options));
  });
  app.get('/api/tasks/:name/outputs', async (c) => c.json(await ex.listOutputs(c.req.param('name'))));
  app.get('/api/runs', async (c) => c.json(await ex.listRuns(runsQuery(c.req.query()))));
  app.get('/api/runs/:runId', async (c) => c.json(await ex.getRun(c.req.param('runId'))));
  app.get('/api/log', async (c) => c.json(await ex.readLog((queryNumber(c.req.query('n')) ?? DEFAULT_LOG_LINES) as number)));
  app.get('/api/upcoming', async (c) => c.json(await upcoming(ex, checkHours(c.req.query('hours')))));
  app.get('/api/supervisor', async (c) => c.json(await ex.getSupervisor()));
}
