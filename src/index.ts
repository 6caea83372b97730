// Public entry point of executor-sdk.
export { Executor, DEFAULT_KEEP_ARCHIVES, DEFAULT_NEXT_RUNS, DEFAULT_READ_OUT_LINES, type ExecutorOptions, type ReadOutOptions } from './executor.js';
export * from './errors.js';
export * from './fs-errors.js';
export type * from './events.js';
export { TASK_NAME_PATTERN } from './task/name.js';
export type { AddTaskOptions } from './task/options.js';
export type { TaskRow, RunningRow } from './task/rows.js';
export type { SupervisorInfo } from './supervisor/presence.js';
export type { StartResult } from './task/lifecycle.js';
export type { StopResult } from './run/stop.js';
export type { OutputInfo, OutputSelector } from './output/files.js';
export type { KeepRestartingOptions, SupervisorHandle } from './supervisor/supervisor.js';
export type { TickReport } from './supervisor/reconcile.js';
export type { WaitForOptions } from './task/wait.js';
export type { FollowOutOptions } from './task/follow.js';
export type { FollowRunOptions } from './task/follow-run.js';
export type { FollowOptions } from './output/follow.js';
export type { InterpreterMap } from './task/interpreter.js';
export type {
  TaskStatus, RunTrigger, RunRecord, TaskRecord, TaskSpec, TaskState, CatchUpPolicy, OverlapPolicy, StderrMode, KillReason, QueuedRun, CurrentRun,
  RunStatus, StepStatus, StepRecord, StepSpec, SavedRun, ProgramCursor,
} from './store/records.js';
export type { StepOptions } from './program/options.js';
export type { ListRunsOptions } from './run/query.js';
export { DEFAULT_LIST_RUNS_LIMIT, RUN_STATUSES } from './run/query.js';
export type { SaveRunOptions } from './run/save.js';
export type { ListTasksOptions } from './task/rows.js';
export type { RunInput } from './program/start.js';
export { MAX_PAYLOAD_BYTES } from './program/payload.js';
export { EVENT_TYPE_PATTERN } from './event/type.js';
export { MAX_RETRY_DELAY_MS } from './program/outcome.js';
export type { RunTaskOptions, RunTasksOptions, RunLine, WaitRunOptions } from './task/manual.js';
export type { AlertKind, AlertOptions, AlertOptionsObject, AlertConfig, AlertChannel, ChannelResult } from './alert/types.js';
export type { AlertPayload } from './alert/payload.js';
export { DEFAULT_ALERT_ON, DEFAULT_ALERT_MIN_INTERVAL_MS } from './alert/options.js';
export { CATCH_UP_THRESHOLD_MS } from './supervisor/wake.js';
export { MIN_OUTPUT_BYTES } from './task/run-options.js';
export { FORMAT_VERSION } from './store/records.js';
export type { TaskStore } from './store/store.js';
export type { AbortSignalLike, SignalName } from './signal-types.js';
export { display, type DisplayOptions } from './display/display.js';
export { JUPYTER_DISPLAY, type MimeBundle } from './display/mime.js';
export { StatusTable, OutputView } from './display/views.js';
export type { StatusRow } from './display/status.js';
export { DEFAULT_WATCH_INTERVAL_MS, MIN_WATCH_INTERVAL_MS, type WatchOptions } from './display/watch.js';
