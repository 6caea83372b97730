// The steps of stopping one run's processes, given what a look at /proc found: SIGTERM, then SIGKILL what is left,
// never signalling a stranger (every pid is checked to still be that very process right before its signal).
import { isAlive, type ProcessIdentity } from './identity.js';
import type { BatchScope } from './batch-members.js';
import type { Member, RootStatus } from './members.js';
import type { ProcTable } from './proc-table.js';

/** How long the root (the shim) may outlive its killed descendants before it is SIGKILLed too. */
export const ROOT_GRACE_MS = 1_000;
/** Verified signals sent between two yields to the event loop (each reads the target's stat first, ~20 µs). */
export const SIGNALS_PER_SLICE = 200;

/** State of one run's stop: the scope, what is left to go, and what was already done. */
export interface StopState {
  scope: BatchScope;
  pending: Map<number, Member>;
  killed: Set<string>;
  forced: boolean;
  // First direct child of the root ever seen: the task. Later direct children of a live root are the shim's own chores.
  taskChild?: number;
}

const keyOf = (id: ProcessIdentity): string => `${id.pid}:${id.startTime}`;

/** `process.kill` that swallows ESRCH (already gone) and EPERM (not ours to signal); true when sent. */
export function sendSignal(target: number, signal: NodeJS.Signals): boolean {
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
export function signalVerified(id: ProcessIdentity, signal: NodeJS.Signals): boolean {
  return isAlive(id) && sendSignal(id.pid, signal);
}

/**
 * Drops what is gone from `table`, adds what is new among the run's `members` (both from the latest look); returns the
 * new members. A process once seen is waited for while it lives, even if it no longer looks like the run's.
 */
export function refresh(run: StopState, members: ReadonlyMap<number, Member>, table: ProcTable): Member[] {
  for (const [pid, member] of run.pending) if (table.stats.get(pid)?.startTime !== member.id.startTime) run.pending.delete(pid);
  const added: Member[] = [];
  const { root } = run.scope;
  const rootAlive = root.pid > 0 && members.get(root.pid)?.id === root;
  for (const [pid, member] of members) {
    if (rootAlive && member.ppid === root.pid) run.taskChild ??= pid;
    if (run.pending.get(pid)?.id.startTime === member.id.startTime) continue;
    run.pending.set(pid, member);
    added.push(member);
  }
  return added;
}

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
export async function terminate(run: StopState, status: RootStatus): Promise<void> {
  const { root } = run.scope;
  const members = [...run.pending.values()];
  const group = status !== 'stranger' && root.pid > 0 && members.some((m) => m.pgrp === root.pid);
  if (group) sendSignal(-root.pid, 'SIGTERM');
  await signalEach(members.filter((m) => !(group && m.pgrp === root.pid)), 'SIGTERM');
}

/** SIGKILLs each process once; drops from the wait those that cannot be signalled (gone, or not ours). */
async function killOnce(run: StopState, members: Member[]): Promise<void> {
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
export async function forceStep(run: StopState, rootAloneSince: number | undefined, now: number): Promise<number | undefined> {
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
