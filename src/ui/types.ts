// The shapes of the dashboard's JSON answers that the package exports (a leaf: no server code, so the public types
// need nothing beyond the package itself).
import type { RunRecord } from '../store/records.js';
import type { TaskRow } from '../task/rows.js';
import type { Decision } from './decisions.js';

/**
 * `GET /api/tasks/:name`: the task's row (its settings and state), its next fire times, its last runs and decisions.
 * @example `const detail = (await (await fetch(`${url}api/tasks/web`)).json()) as TaskDetail;`
 */
export interface TaskDetail {
  /** The task's row: its settings and state, as `listTasks()` gives it. */
  task: TaskRow;
  /** The next 5 fire times, ISO. */
  nextRuns: string[];
  /** Newest first, at most 50. */
  runs: RunRecord[];
  /** Newest first, at most 50 (src/ui/decisions.ts). */
  decisions: Decision[];
}

/**
 * One scheduled run of the next hours, as `GET /api/upcoming` and the Upcoming page list them.
 * @example `{ task: 'report', at: '2026-12-08T02:30:00.000Z' }`
 */
export interface UpcomingItem {
  /** The task's name. */
  task: string;
  /** Fire time, ISO. */
  at: string;
}
