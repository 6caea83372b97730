// What the dashboard asks of an Executor: exactly the public SDK methods its routes call (an Executor is one). Typed
// here, apart from the Executor class, so that the dashboard's modules sit below the facade that loads them.
import type { OutputInfo } from '../output/files.js';
import type { FollowOptions } from '../output/follow.js';
import type { ListRunsOptions } from '../run/query.js';
import type { SaveRunOptions } from '../run/save.js';
import type { StopResult } from '../run/stop.js';
import type { RunRecord } from '../store/records.js';
import type { SupervisorInfo } from '../supervisor/presence.js';
import type { FollowOutOptions } from '../task/follow.js';
import type { StartResult } from '../task/lifecycle.js';
import type { RunTaskOptions } from '../task/manual.js';
import type { ReadOutOptions } from '../task/read-options.js';
import type { ListTasksOptions, TaskRow } from '../task/rows.js';

/**
 * The SDK surface the dashboard serves: each route is one of these calls (the CLI makes the same ones).
 * @example `serveDashboard(ex satisfies DashboardSdk, options)`
 */
export interface DashboardSdk {
  /** Absolute path of the folder served. */
  readonly folder: string;
  /** The task table (`GET /api/tasks`, the table page). */
  listTasks(options?: ListTasksOptions): Promise<TaskRow[]>;
  /** The folder's live supervisor, or null (the banner). */
  getSupervisor(): Promise<SupervisorInfo | null>;
  /** A task's next fire times (task page, upcoming). */
  nextRuns(name: string, n?: number): Promise<string[]>;
  /** Runs, newest first (`GET /api/runs`, task page). */
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]>;
  /** One run's record (`GET /api/runs/:runId`, run page). */
  getRun(runId: string): Promise<RunRecord>;
  /** A task's last output lines (`GET /api/tasks/:name/out`, output and run pages). */
  readOut(name: string, nTail?: number, options?: ReadOutOptions): Promise<string[]>;
  /** A task's archived outputs (output page). */
  listOutputs(name: string): Promise<OutputInfo[]>;
  /** The executor log's last lines (`GET /api/log`; `readLog(0)` flushes this process's queued lines). */
  readLog(nTail?: number): Promise<string[]>;
  /** Cluster mode: the hosts (a folder: none), so the task page reads decisions from the cluster's log. */
  listHosts(): Promise<{ host: string }[]>;
  /** New executor-log lines (the live stream). */
  followLog(options?: FollowOptions): AsyncIterableIterator<string>;
  /** New output lines of a task, across restarts (the live stream's `?follow=`). */
  followOut(name: string, options?: FollowOutOptions): AsyncIterableIterator<string>;
  /** `POST /api/tasks/:name/start`. */
  startTask(name: string): Promise<StartResult>;
  /** `POST /api/tasks/:name/stop`. */
  stopTask(name: string): Promise<StopResult>;
  /** `POST /api/tasks/:name/restart`. */
  restartTask(name: string): Promise<StartResult>;
  /** `POST /api/tasks/:name/enable`. */
  enableTask(name: string): Promise<TaskRow>;
  /** `POST /api/tasks/:name/disable`. */
  disableTask(name: string): Promise<TaskRow>;
  /** `POST /api/tasks/:name/run`. */
  runTask(name: string, options?: RunTaskOptions): Promise<string>;
  /** `POST /api/runs/:runId/cancel`. */
  cancelRun(runId: string): Promise<RunRecord>;
  /** `POST /api/runs/:runId/save`. */
  saveRun(runId: string, options: SaveRunOptions): Promise<RunRecord>;
  /** `POST /api/events/:type`. */
  emitEvent(type: string, payload?: unknown): Promise<string[]>;
}
