// Converting the kernel's uptime (what the shim can read without a fork) to wall-clock time.
import { readFileSync } from 'node:fs';
import { PROC_ROOT } from './identity.js';

/** Clock ticks per second of `/proc/<pid>/stat`'s start time (`sysconf(_SC_CLK_TCK)`: 100 on Linux). */
export const CLOCK_TICKS_PER_SECOND = 100;
/** Nanoseconds in a millisecond. */
const NS_PER_MS = 1e6;

/** Resolution of `/proc/uptime` (hundredths of a second): a time read from it may be this much early. */
export const UPTIME_RESOLUTION_MS = 10;

/** File whose first field is the seconds since boot, with hundredths. */
export const UPTIME_FILE = `${PROC_ROOT}/uptime`;
const MS_PER_SECOND = 1_000;

/** Seconds since boot now, from {@link UPTIME_FILE}; null when it cannot be read. */
export function readUptime(): number | null {
  try {
    const first = readFileSync(UPTIME_FILE, 'utf8').split(' ')[0];
    const value = Number(first);
    return first !== undefined && first !== '' && Number.isFinite(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * The epoch time (ms) of a moment given as seconds since boot, by the clock now; null when the uptime cannot be
 * read or the moment would lie in the future (another boot's value).
 *
 * @example
 * ```ts
 * uptimeToEpochMs(12_345.67); // e.g. 1796630400123
 * ```
 */
export function uptimeToEpochMs(uptimeSeconds: number): number | null {
  const now = Date.now();
  const current = readUptime();
  if (current === null || !Number.isFinite(uptimeSeconds) || uptimeSeconds > current) return null;
  return Math.round(now - (current - uptimeSeconds) * MS_PER_SECOND);
}

/**
 * The `/proc/<pid>/stat` start time (clock ticks since boot) of a process started at `epochMs`, by the clock now;
 * 0 when the uptime cannot be read or the time is before the boot.
 *
 * @example
 * ```ts
 * const since = ticksAt(Date.parse(run.startedAt) - 1_000); // processes started after this are candidates
 * ```
 */
export function ticksAt(epochMs: number): number {
  const uptime = readUptime();
  if (uptime === null) return 0;
  return Math.max(0, Math.floor((uptime - (Date.now() - epochMs) / MS_PER_SECOND) * CLOCK_TICKS_PER_SECOND));
}

/**
 * When a run (or step) that started at `startedMs` ended: the time its shim recorded, when known and the clock is the
 * real one, kept between the start and `now`; else `now`. So a run looked at long after it ended keeps its true duration.
 *
 * @example
 * ```ts
 * endedAt(Date.now(), true, startedMs, readStatusFile(file)!); // the recorded end, not the time of the look
 * ```
 */
export function endedAt(now: number, realClock: boolean, startedMs: number, exit: { endedAtMs?: number } | null): number {
  if (!realClock || exit?.endedAtMs === undefined) return now;
  return Math.min(now, Math.max(startedMs, exit.endedAtMs));
}

/**
 * A monotonic clock in milliseconds (the same as `performance.now()` up to its origin), from `process.hrtime`, so that
 * a short command such as `executor ls` does not load `perf_hooks` to read it.
 * @example `const t0 = monotonicMs(); work(); const ms = monotonicMs() - t0;`
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / NS_PER_MS;
}
