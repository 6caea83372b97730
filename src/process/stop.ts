// Stops a run's processes: SIGTERM, wait, then SIGKILL what is left, never signalling a stranger.
import { isAlive, type ProcessIdentity } from './identity.js';
import type { RunMarker } from './marker.js';
import { checkMarkers, runMembers, rootStatusIn, type Member, type RootStatus, type RunScope } from './members.js';
import { hasProc, readProcTableSliced, type ProcTable } from './proc-table.js';

/** Time between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_TIMEOUT_MS = 5_000;
/** Time between two looks at the tree while waiting for it to go. */
export const DEFAULT_POLL_MS = 20;
/** How long the root (the shim) may outlive its killed descendants before it is SIGKILLed too. */
export const ROOT_GRACE_MS = 1_000;
/** A look at /proc may take at most this share of the time between looks (a big tree is looked at less often). */
export const MAX_SCAN_SHARE = 0.5;

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
export interface StopTreeResult {
  /** False when nothing of the run was alive (or the root's pid is a stranger's and no marked process is left). */
  signalled: boolean;
  /** True when SIGKILL was needed. */
  forced: boolean;
}

/** State of one stop: the scope, what is left to go, and what was already done. */
interface StopRun {
  scope: RunScope;
  pending: Map<number, Member>;
  killed: Set<string>;
  forced: boolean;
  // First direct child of the root ever seen: the task. Later direct children of a live root are the shim's own chores.
  taskChild?: number;
}

const NOT_SIGNALLED: StopTreeResult = Object.freeze({ signalled: false, forced: false });
const keyOf = (id: ProcessIdentity): string => `${id.pid}:${id.startTime}`;

/** `process.kill` that swallows ESRCH (already gone) and EPERM (not ours to signal); true when sent. */
function sendSignal(target: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH' || code === 'EPERM') return false;
    throw error;
  }
}

/** Sends `signal` to `id` only if it still is that very process. */
function signalVerified(id: ProcessIdentity, signal: NodeJS.Signals): boolean {
  return isAlive(id) && sendSignal(id.pid, signal);
}

/** True when `member` is still that process in `table`. */
function liveIn(table: ProcTable, member: Member): boolean {
  return table.stats.get(member.id.pid)?.startTime === member.id.startTime;
}

/** Drops what is gone, adds what is new; returns the new members. */
function refresh(run: StopRun, table: ProcTable): Member[] {
  for (const [pid, member] of run.pending) if (!liveIn(table, member)) run.pending.delete(pid);
  const added: Member[] = [];
  const rootAlive = rootStatusIn(run.scope.root, table) === 'alive';
  for (const [pid, member] of runMembers(run.scope, table)) {
    if (rootAlive && member.ppid === run.scope.root.pid) run.taskChild ??= pid;
    if (run.pending.get(pid)?.id.startTime === member.id.startTime) continue;
    run.pending.set(pid, member);
    added.push(member);
  }
  return added;
}

/** Verified signals sent between two yields to the event loop (each reads the target's stat first, ~20 µs). */
export const SIGNALS_PER_SLICE = 200;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Sends `signal` to each process by verified pid, yielding every {@link SIGNALS_PER_SLICE}; returns those sent. */
async function signalEach(members: Member[], signal: NodeJS.Signals): Promise<Member[]> {
  const sent: Member[] = [];
  for (const [i, m] of members.entries()) {
    if (signalVerified(m.id, signal)) sent.push(m);
    if ((i + 1) % SIGNALS_PER_SLICE === 0) await yieldToLoop();
  }
  return sent;
}

/** First SIGTERM: the root's group at once (when it is ours), and every other member by verified pid. */
async function terminate(run: StopRun, status: RootStatus): Promise<void> {
  const { root } = run.scope;
  const members = [...run.pending.values()];
  const group = status !== 'stranger' && members.some((m) => m.pgrp === root.pid);
  if (group) sendSignal(-root.pid, 'SIGTERM');
  await signalEach(members.filter((m) => !(group && m.pgrp === root.pid)), 'SIGTERM');
}

/** SIGKILLs each process once; drops from the wait those that cannot be signalled (gone, or not ours). */
async function killOnce(run: StopRun, members: Member[]): Promise<void> {
  const fresh = members.filter((m) => !run.killed.has(keyOf(m.id)));
  for (const m of fresh) run.killed.add(keyOf(m.id));
  const sent = new Set(await signalEach(fresh, 'SIGKILL'));
  if (sent.size > 0) run.forced = true;
  for (const m of fresh) if (!sent.has(m) && isAlive(m.id)) run.pending.delete(m.id.pid);
}

/**
 * Forced phase, one step: SIGKILL everything but the root, so the shim can still record 137;
 * once only the root is left for ROOT_GRACE_MS, SIGKILL it too. Returns when the root was first seen alone.
 */
async function forceStep(run: StopRun, rootAloneSince: number | undefined, now: number): Promise<number | undefined> {
  const { root } = run.scope;
  const rootMember = run.pending.get(root.pid);
  const rootAlive = rootMember !== undefined && rootMember.id === root;
  // The live shim's own chores (writing the status file) are left alone.
  const others = [...run.pending.values()].filter((m) => !(rootAlive && (m === rootMember || (m.ppid === root.pid && m.id.pid !== run.taskChild))));
  await killOnce(run, others);
  if (!rootAlive || others.length > 0) return undefined;
  const since = rootAloneSince ?? now;
  if (now - since >= ROOT_GRACE_MS) await killOnce(run, [rootMember]);
  return since;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until every member is gone, escalating to SIGKILL once `killTimeoutMs` has passed. */
async function waitGone(run: StopRun, killTimeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + killTimeoutMs;
  let rootAloneSince: number | undefined;
  for (;;) {
    const started = performance.now();
    const table = await readProcTableSliced();
    await checkMarkers(run.scope, table);
    for (const m of refresh(run, table)) if (m.id.pid === run.taskChild) signalVerified(m.id, 'SIGTERM');
    if (run.pending.size === 0) return;
    const now = Date.now();
    if (now >= deadline) rootAloneSince = await forceStep(run, rootAloneSince, now);
    const scanMs = performance.now() - started;
    await delay(Math.max(pollMs, scanMs / MAX_SCAN_SHARE));
  }
}

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

/**
 * Stops a run's processes: the root (the run's `sh` shim, a process-group and session leader), its descendants, its
 * group and session, and, with `marker`, every process carrying the run's marker (which finds daemons that left the
 * group and session), with all their descendants. The tree is built from one pass over /proc per look.
 *
 * Never signals a stranger: only processes that started after the root are taken, and the root only while it is that
 * very process; a root pid that now belongs to another process (or boot) is left alone. SIGTERM first; after
 * `killTimeoutMs`, SIGKILL everything but the root, then the root itself if it is still alive {@link ROOT_GRACE_MS}
 * later. Resolves once every process is gone (a zombie counts as gone).
 *
 * @example
 * ```ts
 * const { signalled, forced } = await stopTree(run.identity, { killTimeoutMs: 2_000, marker: { executorId, runId } });
 * ```
 */
export async function stopTree(root: ProcessIdentity, opts: StopTreeOptions = {}): Promise<StopTreeResult> {
  const killTimeoutMs = opts.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  if (!hasProc()) return stopWithoutProc(root, killTimeoutMs, pollMs);
  const run: StopRun = { scope: { root, marker: opts.marker ?? null, checked: new Map() }, pending: new Map(), killed: new Set(), forced: false };
  const table = await readProcTableSliced();
  await checkMarkers(run.scope, table);
  refresh(run, table);
  if (run.pending.size === 0) return NOT_SIGNALLED;
  await terminate(run, rootStatusIn(root, table));
  await waitGone(run, killTimeoutMs, pollMs);
  return { signalled: true, forced: run.forced };
}
