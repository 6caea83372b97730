// Shapes of a program's records: its steps as defined, and each step of a run as recorded.

/** Where a run is in its life, as `getRun` / `listRuns` report it. */
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Where one step of a program run is. */
export type StepStatus = 'pending' | 'running' | 'completed' | 'failed' | 'skipped' | 'unprocessed' | 'cancelled';

/** One step of a program, as stored (paths resolved, interpreter resolved). */
export interface StepSpec {
  /** Unique within the task; same rules as task names. */
  name: string;
  /** Script as given (relative to `wd` or absolute). */
  script: string;
  /** Absolute working directory (the task's unless the step sets one). */
  wd: string;
  /** The step's own environment variables (added over the task's). */
  env: Record<string, string>;
  args: string[];
  /** Interpreter label, for display. */
  interpreter: string | null;
  /** Interpreter argv prefix; `[]` runs the script directly. */
  command: string[];
  /** True when the script file goes to the interpreter on stdin (SQL clients such as `sqlite3 app.db`). */
  stdin: boolean;
  /** Per-attempt timeout, ms (the task's `timeout` when the step sets none), or null. */
  timeoutMs: number | null;
  /** Retries of this step, or null for the task's `retries`. */
  retries: number | null;
}

/** The saved (pinned) mark of a run. */
export interface SavedRun {
  name: string;
  description: string | null;
  savedAt: string;
}

/** The parts of a program's definition a run keeps from its start (an `addTask` replace applies to later runs). */
export interface ProgramDef {
  steps: StepSpec[];
  retries: number;
  retryExitCodes: number[];
  skipExitCodes: number[];
  retryDelayMs: number;
}

/** Where a live program run is. */
export interface ProgramCursor {
  /** Index of the current step. */
  step: number;
  /** Attempt of the current step: 0 first, then one more per retry or resume. */
  attempt: number;
  /** Set while waiting to retry the step (no process is live then), ISO. */
  retryAt: string | null;
  /** Start of the current attempt, ISO. */
  stepStartedAt: string;
  /** True when the attempt waited for re-runs a step whose exit was never recorded (leftovers are stopped first). */
  resume?: boolean;
  /** The program as it was when the run started (absent in records written before it existed: the task's then). */
  def?: ProgramDef;
}

/** One step of a program run, in its ledger record. */
export interface StepRecord {
  name: string;
  status: StepStatus;
  startedAt: string | null;
  endedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  /** Retries done. */
  retries: number;
  /** True when the last attempt was stopped by its timeout. */
  timedOut: boolean;
  /** Pid of the last attempt, or null. */
  pid: number | null;
  /** Output file, relative to the folder, or null before the step starts. */
  outputFile: string | null;
  /** Separate stderr file (relative), or null. */
  errorFile: string | null;
}
