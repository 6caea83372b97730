// The typed event map of Executor (eventemitter3).
import type { ExecutorError } from './errors.js';
import type { RunTrigger } from './store/records.js';

/** Payload of `start`: a run was spawned (whatever its trigger). */
export interface StartEvent { name: string; runId: string; pid: number; trigger: RunTrigger; startedAt: string }
/** Payload of `exit`: a run ended and was recorded. */
export interface ExitEvent { name: string; runId: string; exitCode: number | null; signal: string | null; durationMs: number; trigger: RunTrigger; stopped: boolean }
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
/** Payload of `warning`. */
export interface WarningEvent { message: string; name?: string; code?: string }
/** Payload of `log`: a line written to the executor log. */
export interface LogEvent { line: string; message: string; time: Date }

/** All events of Executor, as listener signatures. */
export interface ExecutorEvents {
  start: (event: StartEvent) => void;
  exit: (event: ExitEvent) => void;
  restart: (event: RestartEvent) => void;
  backoff: (event: BackoffEvent) => void;
  stop: (event: StopEvent) => void;
  schedule: (event: ScheduleEvent) => void;
  skip: (event: SkipEvent) => void;
  warning: (event: WarningEvent) => void;
  error: (error: ExecutorError | Error, context?: { name?: string }) => void;
  log: (event: LogEvent) => void;
}
