// The typed event map of Executor (eventemitter3).
import type { ExecutorError } from './errors.js';
import type { AlertKind } from './alert/types.js';
import type { KillReason, RunRecord, RunTrigger, StepStatus } from './store/records.js';

/** Payload of `start`: a run was spawned (whatever its trigger). */
export interface StartEvent { name: string; runId: string; pid: number; trigger: RunTrigger; startedAt: string }
/** Payload of `exit`: a run ended and was recorded. */
export interface ExitEvent {
  name: string; runId: string; exitCode: number | null; signal: string | null; durationMs: number; trigger: RunTrigger;
  /** Stopped by `stopTask` (or replaced by a newer run under `overlap: 'replace'`). */
  stopped: boolean;
  /** Stopped for exceeding the task's `timeout`. */
  timedOut: boolean;
  /** Why the executor itself stopped the run (`'timeout'`, `'memory'`, `'replace'`), or null. */
  killedFor: KillReason | null;
  /** With `killedFor: 'limit'`: the limit's name where it can be known, else null. */
  limit?: string | null;
}
/** Payload of `restart`: an infinite-loop task was restarted (a `start` event is emitted too). */
export interface RestartEvent { name: string; runId: string; pid: number; restarts: number }
/** Payload of `backoff`: a restart was delayed. */
export interface BackoffEvent { name: string; delayMs: number; until: string; failStreak: number; reason: string }
/** Payload of `stop`: a task was stopped by the user. */
export interface StopEvent { name: string; runId: string | null; pid: number | null }
/** Payload of `schedule`: a periodic run fired (a `start` event is emitted too). */
export interface ScheduleEvent { name: string; runId: string; scheduledFor: string; trigger: RunTrigger }
/** Payload of `skip`: a due periodic run was skipped. */
export interface SkipEvent { name: string; scheduledFor: string; reason: string }
/** Payload of `queue`: a run was queued instead of started (maxConcurrent, overlap, catch-up, or a slot held while a dependency is down). */
export interface QueueEvent { name: string; runId: string; reason: 'concurrency' | 'overlap' | 'catch-up' | 'replace' | 'dependency'; queuedAt: string; scheduledFor: string | null }
/** Payload of `timeout`: a run exceeded its `timeout` and is being stopped. */
export interface TimeoutEvent { name: string; runId: string; pid: number; timeoutMs: number }
/** Payload of `memory`: a run's tree exceeded `maxMemory` and is being restarted. */
export interface MemoryEvent { name: string; runId: string; pid: number; rss: number; maxMemory: number }
/** Payload of `alert`: emitted for every alert condition, whatever the channels (and even when rate-limited). */
export interface AlertEvent {
  kind: AlertKind; name: string; runId: string | null; reason: string; time: string;
  /** The run's ledger record, when the alert is about one run. */
  run: RunRecord | null;
  /** True when the channels were not used because of the per-task rate limit. */
  rateLimited: boolean;
  /** Alerts suppressed by the rate limit since the last delivered one (included in this one when delivered). */
  suppressed: number;
}
/** Payload of `step`: a program step started (`status: 'running'`) or ended (its new status; `'pending'` when it will be retried). */
export interface StepEvent {
  name: string; runId: string;
  /** Step name. */
  step: string;
  /** Step index. */
  index: number;
  status: StepStatus;
  /** Attempt of the step: 0 first, then one more per retry or resume. */
  attempt: number;
  /** Pid of a step that started, else null. */
  pid: number | null;
  exitCode: number | null; signal: string | null;
  /** When the step is tried again (ISO), for a step that will be retried or resumed; else null. */
  retryAt: string | null;
  /** The last error line of a step that failed or will be retried, else null. */
  errorMessage: string | null;
}
/** Payload of `event`: an event was emitted and the runs it started (or queued). */
export interface EventEvent { eventId: string; type: string; runs: { task: string; runId: string }[] }
/** Payload of `warning`. */
export interface WarningEvent { message: string; name?: string; code?: string }
/** Payload of `log`: a line written to the executor log. */
export interface LogEvent { line: string; message: string; time: Date }

/** All events of Executor, as listener signatures. */
/** Payload of `takeover` (cluster mode): a task of a dead host was started on this one. */
export interface TakeoverEvent { name: string; fromHost: string; toHost: string }
/** Payload of `hostdown` (cluster mode): this process found a host dead (once in the cluster per death). */
export interface HostDownEvent { host: string; heartbeatAt: string }

export interface ExecutorEvents {
  start: (event: StartEvent) => void;
  exit: (event: ExitEvent) => void;
  step: (event: StepEvent) => void;
  event: (event: EventEvent) => void;
  restart: (event: RestartEvent) => void;
  backoff: (event: BackoffEvent) => void;
  stop: (event: StopEvent) => void;
  schedule: (event: ScheduleEvent) => void;
  skip: (event: SkipEvent) => void;
  queue: (event: QueueEvent) => void;
  timeout: (event: TimeoutEvent) => void;
  memory: (event: MemoryEvent) => void;
  alert: (event: AlertEvent) => void;
  takeover: (event: TakeoverEvent) => void;
  hostdown: (event: HostDownEvent) => void;
  warning: (event: WarningEvent) => void;
  error: (error: ExecutorError | Error, context?: { name?: string }) => void;
  log: (event: LogEvent) => void;
}
