// The dashboard's read side: `GET /api/...`, each the SDK call the CLI makes, in the CLI's `--json` shapes.
import { join } from 'node:path';
import type { Hono } from 'hono';
import { InvalidOptionError } from '../errors.js';
import { DEFAULT_READ_OUT_LINES } from '../task/read-options.js';
import type { DashboardSdk } from './sdk.js';
import { FOLDER_LAYOUT } from '../store/layout.js';
import type { RunStatus } from '../store/records.js';
import { readTaskDecisions, taskDecisions as decisionsOf, type Decision } from './decisions.js';
import { MAX_UPCOMING_SHOWN } from './pages/upcoming.js';
import type { TaskDetail, UpcomingItem } from './types.js';

/** Runs listed on a task page (and its history chart). */
export const TASK_PAGE_RUNS = 50;
/** Fire times shown on a task page. */
export const TASK_PAGE_NEXT_RUNS = 5;
/** Lines of the executor log `GET /api/log` answers with when `n` is not given. */
export const DEFAULT_LOG_LINES = 200;
/** How far ahead `GET /api/upcoming` looks when `hours` is not given. */
export const DEFAULT_UPCOMING_HOURS = 24;
/** The most runs the upcoming list holds (1,000 tasks every minute would fill a day with 1.44 million). */
export const MAX_UPCOMING_ITEMS = MAX_UPCOMING_SHOWN;
/** Fire times asked of each task at first; doubled for the tasks that may have more before the list's cut-off. */
export const FIRST_UPCOMING_BATCH = 8;

export type { TaskDetail, UpcomingItem } from './types.js';

/** A query number: digits become a number; anything else is handed on as given, for the SDK to refuse with its own message. */
export function queryNumber(value: string | undefined): number | string | undefined {
  return value === undefined || value === '' ? undefined : /^\d{1,15}$/.test(value) ? Number(value) : value;
}

/** A query with its empty values left out (`?task=&limit=5` is `{ limit: '5' }`): an empty value means "not given". */
export function givenQuery(q: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== ''));
}

/** `?run=`: a number (an archive, or the Nth run back) or a run id / archive name. */
function querySelector(value: string | undefined): number | string | undefined {
  return value === undefined || value === '' ? undefined : queryNumber(value);
}

/** Log lines read for a task's decisions in cluster mode (the cluster's log has every host's lines). */
const CLUSTER_DECISION_LINES = 2000;

// A task's last decisions: from this folder's log file, or in cluster mode from the cluster's log (every host's).
async function taskDecisions(ex: DashboardSdk, name: string): Promise<Decision[]> {
  if ((await ex.listHosts()).length === 0) return readTaskDecisions(join(ex.folder, FOLDER_LAYOUT.log), name);
  return decisionsOf(await ex.readLog(CLUSTER_DECISION_LINES), name);
}

/** Reads what `GET /api/tasks/:name` answers with. */
export async function taskDetail(ex: DashboardSdk, name: string): Promise<TaskDetail> {
  const nextRuns = await ex.nextRuns(name, TASK_PAGE_NEXT_RUNS); // checks the name first: 400 or 404 before any other read
  const [rows, runs, decisions] = await Promise.all([
    ex.listTasks(),
    ex.listRuns({ task: name, limit: TASK_PAGE_RUNS }),
    taskDecisions(ex, name),
  ]);
  const task = rows.find((row) => row.name === name);
  if (!task) await ex.nextRuns(name, 0); // removed meanwhile: TaskNotFoundError, with its suggestions
  return { task: task!, nextRuns, runs, decisions };
}

/**
 * Every scheduled run of the next `hours`, merged across tasks, soonest first, at most `MAX_UPCOMING_ITEMS`. Each
 * task's fire times are computed a few at a time, and more only for tasks that could still fall before the list's
 * cut-off, so 1,000 tasks on a one-minute period cost about as much as the list shown.
 */
export async function upcoming(ex: DashboardSdk, hours: number = DEFAULT_UPCOMING_HOURS): Promise<UpcomingItem[]> {
  const until = Date.now() + hours * 3_600_000;
  const names = (await ex.listTasks()).filter((row) => row.enabled && (row.period !== null || row.cron !== null)).map((row) => row.name);
  const asked = new Map(names.map((name) => [name, FIRST_UPCOMING_BATCH]));
  const times = new Map<string, string[]>();
  let pending = names;
  while (pending.length > 0) {
    await Promise.all(pending.map(async (name) => times.set(name, await ex.nextRuns(name, asked.get(name)!).catch(() => []))));
    const merged = [...times].flatMap(([task, list]) => list.filter((at) => Date.parse(at) <= until).map((at) => ({ task, at })));
    merged.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.task < b.task ? -1 : 1));
    const cutoff = merged.length >= MAX_UPCOMING_ITEMS ? Date.parse(merged[MAX_UPCOMING_ITEMS - 1]!.at) : until;
    // A task that gave all it was asked for, whose last time is still before the cut-off, may have more to show.
    pending = names.filter((name) => {
      const list = times.get(name)!;
      const n = asked.get(name)!;
      const more = list.length === n && n < MAX_UPCOMING_ITEMS && Date.parse(list[list.length - 1]!) < cutoff;
      if (more) asked.set(name, Math.min(n * 2, MAX_UPCOMING_ITEMS));
      return more;
    });
    if (pending.length === 0) return merged.slice(0, MAX_UPCOMING_ITEMS);
  }
  return [];
}

/** `?hours=` of the upcoming list: a number of hours from 1 to 168. */
export function checkHours(value: string | undefined): number {
  if (value === undefined) return DEFAULT_UPCOMING_HOURS;
  const hours = Number(value);
  if (!/^\d{1,3}$/.test(value) || hours < 1 || hours > 168) throw new InvalidOptionError('hours', 'an integer from 1 to 168', value);
  return hours;
}

/** The options of `GET /api/runs` from its query. */
export function runsQuery(query: Record<string, string>): { task?: string; status?: RunStatus; limit?: number; saved?: boolean } {
  const q = givenQuery(query);
  const options: Record<string, unknown> = {};
  if (q.task !== undefined) options.task = q.task;
  if (q.status !== undefined) options.status = q.status;
  if (q.limit !== undefined) options.limit = queryNumber(q.limit);
  if (q.saved !== undefined) options.saved = q.saved === 'true' ? true : q.saved === 'false' ? false : q.saved;
  return options as { task?: string; status?: RunStatus; limit?: number; saved?: boolean };
}

/** The `readOut` arguments of `GET /api/tasks/:name/out` from its query. */
export function outQuery(query: Record<string, string>): { n: number; options: { run?: number | string; stream?: 'stdout' | 'stderr'; step?: string } } {
  const q = givenQuery(query);
  const options: Record<string, unknown> = {};
  const run = querySelector(q.run);
  if (run !== undefined) options.run = run;
  if (q.stream !== undefined) options.stream = q.stream;
  if (q.step !== undefined) options.step = q.step;
  return { n: (queryNumber(q.n) ?? DEFAULT_READ_OUT_LINES) as number, options };
}

/**
 * Registers the GET routes of the JSON API on `app`.
 * @example `registerApi(app, ex)`
 */
export function registerApi(app: Hono, ex: DashboardSdk): void {
  app.get('/api/tasks', async (c) => {
    const { tag } = givenQuery(c.req.query());
    return c.json(await ex.listTasks(tag === undefined ? {} : { tag }));
  });
  app.get('/api/tasks/:name', async (c) => c.json(await taskDetail(ex, c.req.param('name'))));
  app.get('/api/tasks/:name/out', async (c) => {
    const { n, options } = outQuery(c.req.query());
    return c.json(await ex.readOut(c.req.param('name'), n, options));
  });
  app.get('/api/tasks/:name/outputs', async (c) => c.json(await ex.listOutputs(c.req.param('name'))));
  app.get('/api/runs', async (c) => c.json(await ex.listRuns(runsQuery(c.req.query()))));
  app.get('/api/runs/:runId', async (c) => c.json(await ex.getRun(c.req.param('runId'))));
  app.get('/api/log', async (c) => c.json(await ex.readLog((queryNumber(c.req.query('n')) ?? DEFAULT_LOG_LINES) as number)));
  app.get('/api/upcoming', async (c) => c.json(await upcoming(ex, checkHours(givenQuery(c.req.query()).hours))));
  app.get('/api/supervisor', async (c) => c.json(await ex.getSupervisor()));
}
