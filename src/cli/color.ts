// Colour decision and status colours for the CLI's human output (pure: the caller passes the stream and env).
import pc from 'picocolors';

/** The colour functions of one output (picocolors' `Colors`): every one is the identity when colour is off. */
export type Paint = ReturnType<typeof pc.createColors>;

/** `FORCE_COLOR` values that turn colour off instead of on. */
export const FORCE_COLOR_OFF = new Set(['0', 'false']);

/** Status words painted green. */
export const GREEN_STATUSES: ReadonlySet<string> = new Set(['running', 'succeeded', 'completed']);
/** Status words painted red. */
export const RED_STATUSES: ReadonlySet<string> = new Set(['failed', 'errored', 'cancelled']);
/** Status words painted yellow. */
export const YELLOW_STATUSES: ReadonlySet<string> = new Set(['backoff', 'queued']);
/** Status words painted cyan. */
export const CYAN_STATUSES: ReadonlySet<string> = new Set(['scheduled']);
/** Status words painted dim (`disabled` is the task table's word for a disabled task). */
export const DIM_STATUSES: ReadonlySet<string> = new Set(['stopped', 'idle', 'unprocessed', 'disabled']);

/**
 * Decides whether output to `stream` gets colour: `FORCE_COLOR` set and not `0`/`false` → on; else `NO_COLOR` set and
 * non-empty → off; else `FORCE_COLOR` `0`/`false` → off; else on iff the stream is a TTY and `TERM` is not `dumb`.
 * @example
 * ```ts
 * colorEnabled({ isTTY: true }, { TERM: 'xterm' }); // true
 * colorEnabled({ isTTY: true }, { NO_COLOR: '1' }); // false
 * colorEnabled({ isTTY: false }, { FORCE_COLOR: '1' }); // true
 * ```
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && !FORCE_COLOR_OFF.has(force)) return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (force !== undefined) return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/**
 * The colour functions for an output with colour on or off.
 * @example
 * ```ts
 * paintFor(false).red('x'); // 'x'
 * paintFor(true).red('x'); // '\u001b[31mx\u001b[39m'
 * ```
 */
export function paintFor(enabled: boolean): Paint {
  return pc.createColors(enabled);
}

/**
 * Paints a task or run status word: running/succeeded/completed green, failed/errored/cancelled red, backoff/queued
 * yellow, scheduled cyan, stopped/idle/unprocessed/disabled dim, anything else plain.
 * @example
 * ```ts
 * statusPaint(paintFor(true), 'failed'); // '\u001b[31mfailed\u001b[39m'
 * statusPaint(paintFor(false), 'failed'); // 'failed'
 * ```
 */
export function statusPaint(paint: Paint, status: string): string {
  if (GREEN_STATUSES.has(status)) return paint.green(status);
  if (RED_STATUSES.has(status)) return paint.red(status);
  if (YELLOW_STATUSES.has(status)) return paint.yellow(status);
  if (CYAN_STATUSES.has(status)) return paint.cyan(status);
  if (DIM_STATUSES.has(status)) return paint.dim(status);
  return status;
}
