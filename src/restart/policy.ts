// Pure restart/backoff decisions for crashed infinite-loop tasks: no timers, no clock, no I/O.
import { InvalidOptionError } from '../errors.js';

/** A run shorter than this is a fast failure: it extends the failure streak. */
export const FAST_RUN_MS = 10_000;
/** A run at least this long resets the failure streak. */
export const STABLE_RUN_MS = 30_000;
/** Delay before the second restart of a streak; it doubles with each further fast failure. */
export const BASE_DELAY_MS = 500;
/** Cap of the backoff delay, before jitter. */
export const MAX_DELAY_MS = 60_000;
/** Uniform jitter applied to a backoff delay, as a fraction of it (±10 %). */
export const JITTER_RATIO = 0.1;
/** Restarts are counted over this sliding window (one hour) for `maxRestarts`. */
export const RESTART_WINDOW_MS = 3_600_000;
/** Failure streak at which backoff starts (the first restart of a streak is immediate). */
export const FIRST_BACKOFF_STREAK = 2;
/** Milliseconds in one second. */
export const MS_PER_SECOND = 1000;
/** Seconds in one minute. */
export const SECONDS_PER_MINUTE = 60;
/** Minutes in one hour. */
export const MINUTES_PER_HOUR = 60;
/** {@link describeDelay} shows delays under a minute to a tenth of a second. */
export const TENTHS_PER_SECOND = 10;

/** What the supervisor remembers between restarts of one task. */
export interface RestartState {
  /** Consecutive fast failures (runs shorter than {@link FAST_RUN_MS}) since the last stable run. */
  failStreak: number;
  /** Epoch ms of the restarts within {@link RESTART_WINDOW_MS}, oldest first. */
  restartTimes: number[];
}

/** Inputs of {@link decideRestart}; every time is epoch ms passed in by the caller. */
export interface RestartInput {
  /** State returned by the previous decision, or {@link INITIAL_RESTART_STATE}. */
  state: RestartState;
  /** When the run that just ended was started. */
  runStartedAt: number;
  /** When it ended (a value before `runStartedAt` counts as a zero-length run). */
  runEndedAt: number;
  /** The current time. */
  now: number;
  /** Give up once this many restarts happened in the last hour. @default null (never give up) */
  maxRestarts?: number | null;
  /** Source of randomness in [0, 1) for the jitter. @default Math.random */
  random?: () => number;
}

/** The outcome of {@link decideRestart}; `state` is a fresh object to store for the next decision. */
export type RestartDecision =
  | { action: 'restart'; delayMs: number; state: RestartState; reason: string }
  | { action: 'give-up'; state: RestartState; reason: string };

/** State of a task that has never been restarted. Frozen; never mutated. */
export const INITIAL_RESTART_STATE: RestartState = Object.freeze({
  failStreak: 0,
  restartTimes: Object.freeze([]) as readonly number[] as number[],
});

// English ordinals by hand (1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st…): an Intl.PluralRules made at import would
// cost every process that loads the package most of a megabyte of ICU data.
const ORDINAL_SUFFIX = ['th', 'st', 'nd', 'rd'] as const;

function ordinal(n: number): string {
  const teen = Math.floor(n / 10) % 10 === 1;
  return `${n}${(teen ? undefined : ORDINAL_SUFFIX[n % 10]) ?? ORDINAL_SUFFIX[0]}`;
}

/**
 * Renders a duration for log messages: `'350 ms'`, `'2.1 s'`, `'15 s'`, `'2 min 5 s'`, `'1 h 30 min'`.
 *
 * @throws InvalidOptionError unless `ms` is a finite number >= 0.
 * @example
 * ```ts
 * describeDelay(2_140); // '2.1 s'
 * ```
 */
export function describeDelay(ms: number): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new InvalidOptionError('ms', 'a finite number of ms >= 0', ms);
  if (Math.round(ms) < MS_PER_SECOND) return `${Math.round(ms)} ms`;
  const tenths = Math.round((ms / MS_PER_SECOND) * TENTHS_PER_SECOND);
  if (tenths < SECONDS_PER_MINUTE * TENTHS_PER_SECOND) return `${tenths / TENTHS_PER_SECOND} s`;
  const seconds = Math.round(ms / MS_PER_SECOND);
  if (seconds < SECONDS_PER_MINUTE * MINUTES_PER_HOUR) {
    return joinUnits(Math.floor(seconds / SECONDS_PER_MINUTE), 'min', seconds % SECONDS_PER_MINUTE, 's');
  }
  const minutes = Math.round(seconds / SECONDS_PER_MINUTE);
  return joinUnits(Math.floor(minutes / MINUTES_PER_HOUR), 'h', minutes % MINUTES_PER_HOUR, 'min');
}

function joinUnits(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

function assertTime(value: unknown, option: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidOptionError(option, 'a finite epoch in ms', value);
}

function assertInput(input: RestartInput): void {
  const { state, maxRestarts, random } = input;
  if (!Number.isSafeInteger(state?.failStreak) || state.failStreak < 0) {
    throw new InvalidOptionError('state.failStreak', 'a non-negative integer', state?.failStreak);
  }
  if (!Array.isArray(state.restartTimes) || !state.restartTimes.every((t) => typeof t === 'number' && Number.isFinite(t))) {
    throw new InvalidOptionError('state.restartTimes', 'an array of finite epochs in ms', state.restartTimes);
  }
  assertTime(input.runStartedAt, 'runStartedAt');
  assertTime(input.runEndedAt, 'runEndedAt');
  assertTime(input.now, 'now');
  if (maxRestarts != null && !(typeof maxRestarts === 'number' && maxRestarts >= 0 && (Number.isInteger(maxRestarts) || maxRestarts === Infinity))) {
    throw new InvalidOptionError('maxRestarts', 'a non-negative integer, Infinity or null', maxRestarts);
  }
  if (random !== undefined && typeof random !== 'function') throw new InvalidOptionError('random', 'a function returning a number in [0, 1)', random);
}

// Backoff after a fast failure: immediate for the first of a streak, then doubling, capped, jittered.
function backoffDelay(failStreak: number, random: () => number): number {
  if (failStreak < FIRST_BACKOFF_STREAK) return 0;
  const capped = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (failStreak - FIRST_BACKOFF_STREAK));
  const r = Math.min(1, Math.max(0, Number(random()) || 0));
  return Math.max(0, Math.round(capped * (1 + JITTER_RATIO * (2 * r - 1))));
}

/**
 * Decides whether and when to restart a crashed infinite-loop task. Pure: all times come in
 * as arguments and the input is never mutated.
 *
 * - A run of at least {@link STABLE_RUN_MS} resets the failure streak; a run under
 *   {@link FAST_RUN_MS} extends it; a run in between leaves it unchanged.
 * - Only a fast failure waits: the first of a streak restarts at once, the next ones after
 *   `min(MAX_DELAY_MS, BASE_DELAY_MS · 2^(streak−2))` ms ± {@link JITTER_RATIO} (jitter after the cap).
 * - Restarts older than {@link RESTART_WINDOW_MS} are forgotten; with `maxRestarts` set, a task
 *   already restarted that many times in the window is given up on. Otherwise `now` is recorded.
 *
 * @throws InvalidOptionError for a malformed state, non-finite times or a bad `maxRestarts`/`random`.
 * @example
 * ```ts
 * const d = decideRestart({ state: INITIAL_RESTART_STATE, runStartedAt: 0, runEndedAt: 1200, now: 1200 });
 * // { action: 'restart', delayMs: 0, reason: 'crashed after 1.2 s (1st fast failure in a row); restarting now', ... }
 * ```
 */
export function decideRestart(input: RestartInput): RestartDecision {
  assertInput(input);
  const { state, now } = input;
  const runMs = Math.max(0, input.runEndedAt - input.runStartedAt);
  const baseStreak = runMs >= STABLE_RUN_MS ? 0 : state.failStreak;
  const failStreak = runMs < FAST_RUN_MS ? baseStreak + 1 : baseStreak;
  const restartTimes = state.restartTimes.filter((t) => now - t < RESTART_WINDOW_MS);
  const note = runMs < FAST_RUN_MS
    ? ` (${ordinal(failStreak)} fast failure in a row)`
    : runMs >= STABLE_RUN_MS && state.failStreak > 0 ? ' (stable run: failure streak reset)' : '';
  const what = `crashed after ${describeDelay(runMs)}${note}`;
  const max = input.maxRestarts;
  if (max != null && restartTimes.length >= max) {
    const reason = `${what}; giving up: ${restartTimes.length} restarts in the last hour (maxRestarts = ${max})`;
    return { action: 'give-up', state: { failStreak, restartTimes }, reason };
  }
  const delayMs = runMs < FAST_RUN_MS ? backoffDelay(failStreak, input.random ?? Math.random) : 0;
  const reason = `${what}; restarting ${delayMs === 0 ? 'now' : `in ${describeDelay(delayMs)}`}`;
  return { action: 'restart', delayMs, state: { failStreak, restartTimes: [...restartTimes, now] }, reason };
}
