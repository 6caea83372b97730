// Per-task alert rate limit: at most one alert per interval, counting the ones suppressed in between. Pure.
import { DEFAULT_ALERT_MIN_INTERVAL_MS } from './options.js';

/** Verdict of {@link AlertLimiter.check}. */
export interface LimiterVerdict {
  /** Send this alert. */
  allowed: boolean;
  /**
   * When allowed: how many alerts of the task were suppressed since the previous allowed one (then reset to 0).
   * When suppressed: how many have been suppressed so far, this one included.
   */
  suppressed: number;
}

/** Options of {@link AlertLimiter}. */
export interface AlertLimiterOptions {
  /** Interval used when `check` is given none. @defaultValue 300000 (5 min) */
  minIntervalMs?: number;
  /** Clock used when `check` is given no time. @defaultValue Date.now */
  clock?: () => number;
}

interface TaskWindow {
  lastSentAt: number;
  suppressed: number;
}

/**
 * Rate limit of alerts, per task: the first alert passes, then at most one per `minIntervalMs`.
 * Keeps no timers; a backwards clock jump of more than an interval lets the next alert through.
 *
 * @example
 * ```ts
 * const limiter = new AlertLimiter({ minIntervalMs: 60_000 });
 * limiter.check('job', 0);      // { allowed: true, suppressed: 0 }
 * limiter.check('job', 10_000); // { allowed: false, suppressed: 1 }
 * limiter.check('job', 60_000); // { allowed: true, suppressed: 1 }
 * ```
 */
export class AlertLimiter {
  private readonly windows = new Map<string, TaskWindow>();
  private readonly minIntervalMs: number;
  private readonly clock: () => number;

  constructor(options: AlertLimiterOptions = {}) {
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_ALERT_MIN_INTERVAL_MS;
    this.clock = options.clock ?? Date.now;
  }

  /**
   * Records an alert of `task` at `now` and says whether to send it.
   * @param minIntervalMs - The task's interval (its merged `minIntervalMs`). @default the limiter's
   */
  check(task: string, now: number = this.clock(), minIntervalMs: number = this.minIntervalMs): LimiterVerdict {
    const window = this.windows.get(task);
    if (window === undefined) {
      this.windows.set(task, { lastSentAt: now, suppressed: 0 });
      return { allowed: true, suppressed: 0 };
    }
    const elapsed = now - window.lastSentAt;
    if (elapsed >= minIntervalMs || elapsed < -minIntervalMs) {
      const suppressed = window.suppressed;
      window.lastSentAt = now;
      window.suppressed = 0;
      return { allowed: true, suppressed };
    }
    window.suppressed += 1;
    return { allowed: false, suppressed: window.suppressed };
  }

  /** Alerts of `task` suppressed since its last allowed one. */
  suppressedCount(task: string): number {
    return this.windows.get(task)?.suppressed ?? 0;
  }

  /** Forgets `task` (removed or renamed): its next alert passes. */
  forget(task: string): void {
    this.windows.delete(task);
  }
}
