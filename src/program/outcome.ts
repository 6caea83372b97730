// What happens after a program step's process ends: pure decisions, no I/O.

/**
 * What to do with a step whose process ended:
 * `completed` / `skipped` go on to the next step, `retry` runs it again after a delay (counted as a retry),
 * `resume` runs it again at once (not counted: its exit could not be read), `failed` / `cancelled` end the run.
 */
export type StepVerdict = 'completed' | 'skipped' | 'retry' | 'resume' | 'failed' | 'cancelled';

/** What is known about the end of one attempt of a step. */
export interface StepExitFacts {
  exitCode: number | null;
  signal: string | null;
  /** The exit status could not be read (the step's shim was killed, the machine rebooted). */
  exitUnknown: boolean;
  /** Killed by its timeout. */
  timedOut: boolean;
  /** Stopped by the user (`cancelRun` / `stopTask`). */
  cancelled: boolean;
  /** Retries of this step done so far. */
  retriesUsed: number;
  /** Retries allowed (the step's `retries`, else the task's). */
  retries: number;
  /** Exit codes that make the step retryable. */
  retryExitCodes: readonly number[];
  /** Exit codes that mark the step skipped. */
  skipExitCodes: readonly number[];
}

/** Longest delay before a retry, whatever the base and the retry number: 5 minutes. */
export const MAX_RETRY_DELAY_MS = 300_000;

/**
 * Decides what follows the end of a step's attempt. The rules, first match wins:
 * cancelled → `cancelled`; timed out (and not exited 0) → `retry` while retries are left, else `failed`; exit unknown → `resume`;
 * exit 0 → `completed`; an exit code in `skipExitCodes` → `skipped`; an exit code in `retryExitCodes` → `retry`
 * while retries are left, else `failed`; anything else (another code, a signal) → `failed`.
 *
 * @example
 * ```ts
 * const base = { exitCode: 75, signal: null, exitUnknown: false, timedOut: false, cancelled: false,
 *   retriesUsed: 0, retries: 3, retryExitCodes: [75], skipExitCodes: [] };
 * decideStep(base);                     // 'retry'
 * decideStep({ ...base, retriesUsed: 3 }); // 'failed'
 * decideStep({ ...base, exitCode: 0 });    // 'completed'
 * ```
 */
export function decideStep(f: StepExitFacts): StepVerdict {
  const retryOrFail: StepVerdict = f.retriesUsed < f.retries ? 'retry' : 'failed';
  if (f.cancelled) return 'cancelled';
  // A step that exited 0 just as its timeout kill was marked has completed.
  if (f.timedOut && !(f.exitCode === 0 && !f.exitUnknown)) return retryOrFail;
  if (f.exitUnknown) return 'resume';
  if (f.exitCode === 0) return 'completed';
  if (f.exitCode === null) return 'failed';
  if (f.skipExitCodes.includes(f.exitCode)) return 'skipped';
  if (f.retryExitCodes.includes(f.exitCode)) return retryOrFail;
  return 'failed';
}

/**
 * The delay before retry number `retryNumber` (1 for the first retry) of a step: `baseMs * 2^(retryNumber - 1)`,
 * capped at {@link MAX_RETRY_DELAY_MS}. A base of 0 (or less) always gives 0; a `retryNumber` below 1 counts as 1.
 *
 * @example
 * ```ts
 * retryDelayMs(1000, 1);  // 1000
 * retryDelayMs(1000, 3);  // 4000
 * retryDelayMs(1000, 20); // 300000 (the cap)
 * ```
 */
export function retryDelayMs(baseMs: number, retryNumber: number): number {
  if (!(baseMs > 0)) return 0;
  // NaN and numbers below 1 count as the first retry.
  const n = retryNumber >= 1 ? Math.floor(retryNumber) : 1;
  return Math.min(baseMs * 2 ** (n - 1), MAX_RETRY_DELAY_MS);
}
