// Public entry point of executor-sdk.
export { Executor, DEFAULT_KEEP_ARCHIVES, DEFAULT_READ_OUT_LINES, type ExecutorOptions } from './executor.js';
export * from './errors.js';
export type * from './events.js';
export { TASK_NAME_PATTERN } from './task/name.js';
export type { AddTaskOptions } from './task/options.js';
export type { TaskRow, RunningRow } from './task/rows.js';
export type { StartResult } from './task/lifecycle.js';
export type { StopResult } from './run/stop.js';
export type { OutputInfo, OutputSelector } from './output/files.js';
export type { KeepRestartingOptions, SupervisorHandle } from './supervisor/supervisor.js';
export type { TickReport } from './supervisor/reconcile.js';
export type { WaitForOptions } from './task/wait.js';
export type { InterpreterMap } from './task/interpreter.js';
export type { TaskStatus, RunTrigger, RunRecord, TaskRecord, TaskSpec, TaskState } from './store/records.js';
export { FORMAT_VERSION } from './store/records.js';
export type { TaskStore } from './store/store.js';
