// Stops a task's process tree: SIGTERM, wait, then SIGKILL what is left, never signalling a stranger.
import { accessSync, constants as fsConstants } from 'node:fs';
import path from 'node:path';
import treeKill from 'tree-kill';
import { identityOf, isAlive, isDeadState, readBootId, readProcStat, sameProcess, type ProcessIdentity } from './identity.js';
import { listDescendants, listGroupMembers } from './tree.js';

/** Time between SIGTERM and SIGKILL. */
export const DEFAULT_KILL_TIMEOUT_MS = 5_000;
/** Time between two looks at the tree while waiting for it to go. */
export const DEFAULT_POLL_MS = 20;
/** How long the root (the shim) may outlive its killed descendants before it is SIGKILLed too. */
export const ROOT_GRACE_MS = 1_000;
/** Least time between two full /proc scans for group members while waiting (descendants are walked at every poll). */
export const GROUP_RESCAN_MS = 200;
/** The command tree-kill runs on Linux to list children; without it tree-kill would crash the process. */
export const PS_COMMAND = 'ps';

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
}

/** Outcome of {@link stopTree}. */
export interface StopTreeResult {
  /** False when the root is not (or no longer) our process and no group of ours is left: nothing was signalled. */
  signalled: boolean;
  /** True when SIGKILL was needed. */
  forced: boolean;
}

/** One process we wait for. */
interface Tracked {
  id: ProcessIdentity;
  ppid: number;
  pgrp: number;
}

/** State of one stop: the root, what is left to go, and what was already done. */
interface StopRun {
  root: ProcessIdentity;
  pending: Map<number, Tracked>;
  killed: Set<string>;
  lastGroupScan: number;
  forced: boolean;
  // First direct child of the root ever seen: the task. Later direct children of a live root are the shim's own chores (mv).
  taskChild?: number;
}

type RootStatus = 'alive' | 'gone' | 'stranger';

const NOT_SIGNALLED: StopTreeResult = Object.freeze({ signalled: false, forced: false });

let psAvailable: boolean | undefined;

/** True when `ps` is on PATH (tree-kill spawns it without an error handler, so a missing `ps` would crash Node). */
function hasPs(): boolean {
  psAvailable ??= (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir || '.', PS_COMMAND), fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  return psAvailable;
}

/** Whether `root.pid` still is our process, is gone (or a zombie), or belongs to a stranger now. */
function rootStatus(root: ProcessIdentity): RootStatus {
  if (root.bootId !== readBootId()) return 'stranger';
  const stat = readProcStat(root.pid);
  if (stat === null) return 'gone';
  if (!sameProcess(root, stat)) return 'stranger';
  return isDeadState(stat.state) ? 'gone' : 'alive';
}

const keyOf = (id: ProcessIdentity): string => `${id.pid}:${id.startTime}`;

/** Sends `signal` to `id` only if it still is that very process. False when it could not be signalled (gone or not ours). */
function signalVerified(id: ProcessIdentity, signal: NodeJS.Signals): boolean {
  if (!isAlive(id)) return false;
  return sendSignal(id.pid, signal);
}

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

/**
 * Adds every live process of the tree not tracked yet (root, ppid descendants, and with `withGroup` the group
 * members and theirs); returns the new ones.
 */
function rescan(run: StopRun, status: RootStatus, withGroup: boolean): Tracked[] {
  if (status === 'stranger') return [];
  const { root } = run;
  const candidates = status === 'alive' ? [root.pid, ...listDescendants(root.pid)] : [];
  if (withGroup) {
    // Scanning all of /proc costs ~10 µs per process on the machine, so it is not done at every poll.
    run.lastGroupScan = Date.now();
    for (const member of listGroupMembers(root.pid)) candidates.push(member, ...listDescendants(member));
  }
  for (const pid of [...run.pending.keys()]) if (pid !== root.pid) candidates.push(...listDescendants(pid));
  const added: Tracked[] = [];
  for (const pid of candidates) {
    if (run.pending.has(pid)) continue;
    const stat = readProcStat(pid);
    // A process of ours cannot have started before the root did.
    if (!stat || isDeadState(stat.state) || stat.startTime < root.startTime) continue;
    const tracked: Tracked = { id: pid === root.pid ? root : identityOf(stat), ppid: stat.ppid, pgrp: stat.pgrp };
    if (pid === root.pid && !sameProcess(root, stat)) continue;
    if (status === 'alive' && stat.ppid === root.pid) run.taskChild ??= pid;
    run.pending.set(pid, tracked);
    added.push(tracked);
  }
  return added;
}

/** Drops the processes that are gone (a zombie counts as gone). */
function prune(run: StopRun): void {
  for (const [pid, tracked] of run.pending) if (!isAlive(tracked.id)) run.pending.delete(pid);
}

/**
 * First SIGTERM: tree-kill on the root's ppid tree, a group kill, and a verified kill of every process outside the group.
 * (tree-kill walks the tree asynchronously with `ps`; the group kill can orphan a member's out-of-group child before
 * that walk reaches it, so those are signalled directly too.)
 */
function terminate(run: StopRun, status: RootStatus): Promise<void> {
  const { root } = run;
  let treeDone = Promise.resolve();
  if (status === 'alive' && hasPs()) {
    treeDone = new Promise((resolve) => treeKill(root.pid, 'SIGTERM', () => resolve()));
  }
  const tracked = [...run.pending.values()];
  if (tracked.some((t) => t.pgrp === root.pid)) sendSignal(-root.pid, 'SIGTERM');
  for (const t of tracked) if (t.pgrp !== root.pid) signalVerified(t.id, 'SIGTERM');
  return treeDone;
}

/**
 * One look at the tree: drop the gone, add the newly forked (a task child forked after the SIGTERM gets its own).
 * The group is scanned every GROUP_RESCAN_MS, and always before the tree is declared gone.
 */
function refresh(run: StopRun): void {
  prune(run);
  const status = rootStatus(run.root);
  const withGroup = Date.now() - run.lastGroupScan >= GROUP_RESCAN_MS;
  let added = rescan(run, status, withGroup);
  if (run.pending.size === 0 && !withGroup) added = rescan(run, status, true);
  for (const t of added) if (t.id.pid === run.taskChild) signalVerified(t.id, 'SIGTERM');
}

/** SIGKILLs one process once; drops it from the wait when it cannot be signalled (gone, or not ours). */
function killOnce(run: StopRun, t: Tracked): void {
  const key = keyOf(t.id);
  if (run.killed.has(key)) return;
  run.killed.add(key);
  if (signalVerified(t.id, 'SIGKILL')) run.forced = true;
  else if (isAlive(t.id)) run.pending.delete(t.id.pid);
}

/**
 * Forced phase, one step: SIGKILL everything below the root, so the shim can still record 137;
 * once only the root is left for ROOT_GRACE_MS, SIGKILL it too. Returns when the root was first seen alone.
 */
function forceStep(run: StopRun, rootAloneSince: number | undefined, now: number): number | undefined {
  const rootTracked = run.pending.get(run.root.pid);
  const rootAlive = rootTracked !== undefined && rootTracked.id === run.root;
  let othersLeft = false;
  for (const t of run.pending.values()) {
    if (t === rootTracked && rootAlive) continue;
    // The live shim's own chores (writing the status file) are left alone.
    if (rootAlive && t.ppid === run.root.pid && t.id.pid !== run.taskChild) continue;
    othersLeft = true;
    killOnce(run, t);
  }
  if (!rootAlive || othersLeft) return undefined;
  const since = rootAloneSince ?? now;
  if (now - since >= ROOT_GRACE_MS) killOnce(run, rootTracked);
  return since;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until every tracked process is gone, escalating to SIGKILL once `killTimeoutMs` has passed. */
async function waitGone(run: StopRun, killTimeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + killTimeoutMs;
  let rootAloneSince: number | undefined;
  for (;;) {
    refresh(run);
    if (run.pending.size === 0) return;
    const now = Date.now();
    if (now >= deadline) rootAloneSince = forceStep(run, rootAloneSince, now);
    await delay(pollMs);
  }
}

/**
 * Stops a task's process tree: the root (the task's `sh` shim, a process-group leader), its descendants and its group.
 *
 * Never signals a stranger: the root is signalled only while {@link isAlive} holds for it; if its pid now belongs
 * to another process (or another boot), nothing is signalled. If the root is gone but its group still has members,
 * those are stopped. SIGTERM first; after `killTimeoutMs`, SIGKILL everything below the root, then the root itself
 * if it is still alive {@link ROOT_GRACE_MS} later. Resolves once every process is gone (a zombie counts as gone).
 *
 * @example
 * ```ts
 * const { signalled, forced } = await stopTree(run.identity, { killTimeoutMs: 2_000 });
 * ```
 */
export async function stopTree(root: ProcessIdentity, opts: StopTreeOptions = {}): Promise<StopTreeResult> {
  const killTimeoutMs = opts.killTimeoutMs ?? DEFAULT_KILL_TIMEOUT_MS;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const status = rootStatus(root);
  if (status === 'stranger') return NOT_SIGNALLED;
  const run: StopRun = { root, pending: new Map(), killed: new Set(), lastGroupScan: 0, forced: false };
  rescan(run, status, true);
  if (run.pending.size === 0) return NOT_SIGNALLED;
  const treeDone = terminate(run, status);
  await waitGone(run, killTimeoutMs, pollMs);
  await treeDone;
  return { signalled: true, forced: run.forced };
}
