// Shapes of a run's records: what caused it, why the executor stopped it, and its ledger file.
import type { RunStatus, SavedRun, StepRecord } from './program-records.js';

/** What caused a run. */
export type RunTrigger = 'manual' | 'restart' | 'schedule' | 'catch-up' | 'event' | 'chain';

/** Why a run was stopped by the executor itself. */export type KillReason = 'timeout' | 'memory' | 'replace' | 'cancel' | 'limit';

/** One file `runs/<name>/<runId>.json`: the run ledger. */
export interface RunRecord {
  formatVersion: number;
  runId: string;
  task: string;
  trigger: RunTrigger;
  scheduledFor: string | null;
  /** Cluster mode: the host that ran it (its output files are there); absent in a folder. */
  host?: string;
  startedAt: string;
  pid: number;
  pidStartTime: number;
  bootId: string;
  endedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  /** True when the exit could not be known (the shim itself was killed). */
  exitUnknown: boolean;
  /** True when the run ended because the user stopped it. */
  stopped: boolean;
  /** Output file name (relative to the folder): `<name>.txt` while current, its archive name later. */
  outputFile: string;
  /** Separate stderr file (relative), or null. */
  errorFile: string | null;
  /** The date a manual run was made for, ISO, or null. */
  triggerTime: string | null;
  /** When the run was queued before it started, ISO, or null. */
  queuedAt: string | null;
  /** True when the run was stopped for exceeding its `timeout`. */
  timedOut: boolean;
  /** Why the executor stopped the run itself (`'timeout'`, `'memory'`, `'replace'`), or null. */
  killedFor: KillReason | null;
  /** With `killedFor: 'limit'`: which of the task's `limits` (`'cpuSeconds'`, `'memory'`, `'openFiles'`, `'processes'`), when it can be known. Absent in older records. */
  limit?: string | null;
  /** A chain run's upstream run (trigger `chain`). Absent otherwise. */
  upstream?: { task: string; runId: string; exitCode: number | null; depth: number } | null;
  /** Where the run is. */
  status: RunStatus;
  /** When the run was created (queued or started), ISO. */
  createdAt: string;
  /** Event type that triggered the run, or null. */
  event: string | null;
  /** The run's input (`runTask({ data })` or an event's payload), or null. */
  data: unknown;
  /** Index of the current (or last) step of a program run; null for a script run. */
  step: number | null;
  /** Retries of the current step so far. */
  stepRetryCount: number;
  /** Set only when the run succeeded, ISO. */
  finishedAt: string | null;
  /** Set only when the run failed for good, ISO. */
  erroredAt: string | null;
  /** The last error (a retryable one included): the last non-empty stderr line, or the last output line. */
  errorMessage: string | null;
  /** A program run's steps (`[]` for a script run). */
  steps: StepRecord[];
  /** Set by `saveRun`: the run and its outputs are never pruned. */
  saved: SavedRun | null;
}
