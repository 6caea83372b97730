// Stops a run's processes: SIGTERM, wait, then SIGKILL what is left, never signalling a stranger. Every stop in this
// process is driven by one shared loop (stop-loop.ts): one look at /proc per round serves all runs being stopped.
import type { ProcessIdentity } from './identity.js';
import type { RunMarker } from './marker.js';
import { hasProc } from './proc-table.js';
import { StopLoop, type StopOutcome } from './stop-loop.js';
import { sendSignal } from './stop-steps.js';

export { MAX_SCAN_SHARE, stopLooks } from './stop-loop.js';
export { ROOT_GRACE_MS, SIGNALS_PER_SLICE } from './stop-steps.js';

/** Time between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_TIMEOUT_MS = 5_000;
/** Time between two looks at the tree while waiting for it to go. */
export const DEFAULT_POLL_MS = 20;

/** Options of {@link stopTree}. */
export interface StopTreeOptions {
  /**
   * Milliseconds to wait after SIGTERM before SIGKILL.
   * @default 5000
   */
  killTimeoutMs?: number;
  /**
   * Milliseconds between two looks at the tree.
   * @default 20
   */
  pollMs?: number;
  /**
   * The run's marker: processes carrying it (found in `/proc/<pid>/environ`) are stopped too, even outside the
   * root's tree, group and session.
   * @default null (tree, group and session only)
   */
  marker?: RunMarker | null;
}

/** Outcome of {@link stopTree}. */
export type StopTreeResult = StopOutcome;

const NOT_SIGNALLED: StopTreeResult = Object.freeze({ signalled: false, forced: false });

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Without /proc (not Linux): tree-kill walks the tree with `ps`; SIGKILL after the timeout. */
async function stopWithoutProc(root: ProcessIdentity, killTimeoutMs: number, pollMs: number): Promise<StopTreeResult> {
  const gone = (): boolean => !sendSignal(root.pid, 0 as unknown as NodeJS.Signals);
  if (gone()) return NOT_SIGNALLED;
  const { default: treeKill } = await import('tree-kill'); // only where /proc is missing
  await new Promise<void>((resolve) => treeKill(root.pid, 'SIGTERM', () => resolve()));
  const deadline = Date.now() + killTimeoutMs;
  while (!gone() && Date.now() < deadline) await delay(pollMs);
  if (gone()) return { signalled: true, forced: false };
  await new Promise<void>((resolve) => treeKill(root.pid, 'SIGKILL', () => resolve()));
  return { signalled: true, forced: true };
}

let loop: StopLoop | undefined;

/**
 * Stops a run's processes: the root (the run's `sh` shim, a process-group and session leader), its descendants, its
 * group and session, and, with `marker`, every process carrying the run's marker (which finds daemons that left the
 * group and session), with all their descendants. The tree is built from one pass over /proc per look, and that look
 * is shared by every stop in progress in this process (a `stopAll` of a hundred tasks walks /proc once per round, and
 * reads each process's environment once).
 *
 * Never signals a stranger: only processes that started after the root are taken, and the root only while it is that
 * very process; a root pid that now belongs to another process (or boot) is left alone, and every pid is checked to
 * still be the process that was looked at right before it is signalled. SIGTERM first; after `killTimeoutMs`, SIGKILL
 * everything but the root, then the root itself if it is still alive {@link ROOT_GRACE_MS} later. Resolves once every
 * process is gone (a zombie counts as gone).
 *
 * @example
 * ```ts
 * const { signalled, forced } = await stopTree(run.identity, { killTimeoutMs: 2_000, marker: { executorId, runId } });
 * ```
 */
export function stopTree(root: ProcessIdentity, opts: StopTreeOptions = {}): Promise<StopTreeResult> {
  const killTimeoutMs = opts.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  if (!hasProc()) return stopWithoutProc(root, killTimeoutMs, pollMs);
  loop ??= new StopLoop();
  return loop.stop({ root, marker: opts.marker ?? null }, killTimeoutMs, pollMs);
}
