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
  readonly folder: string;
  listTasks(options?: ListTasksOptions): Promise<TaskRow[]>;
  getSupervisor(): Promise<SupervisorInfo | null>;
  nextRuns(name: string, n?: number): Promise<string[]>;
  listRuns(options?: ListRunsOptions): Promise<RunRecord[]>;
  getRun(runId: string): Promise<RunRecord>;
  readOut(name: string, nTail?: number, options?: ReadOutOptions): Promise<string[]>;
  listOutputs(name: string): Promise<OutputInfo[]>;
  readLog(nTail?: number): Promise<string[]>;
  followLog(options?: FollowOptions): AsyncIterableIterator<string>;
  followOut(name: string, options?: FollowOutOptions): AsyncIterableIterator<string>;
  startTask(name: string): Promise<StartResult>;
  stopTask(name: string): Promise<StopResult>;
  restartTask(name: string): Promise<StartResult>;
  enableTask(name: string): Promise<TaskRow>;
  disableTask(name: string): Promise<TaskRow>;
  runTask(name: string, options?: RunTaskOptions): Promise<string>;
  cancelRun(runId: string): Promise<RunRecord>;
  saveRun(runId: string, options: SaveRunOptions): Promise<RunRecord>;
  emitEvent(type: string, payload?: unknown): Promise<string[]>;
}
