// The executor stopping a run on its own: timeout, maxMemory or overlap 'replace'.
import type { Runtime } from '../runtime.js';
import type { CurrentRun, KillReason } from '../store/records.js';
import { closeRun, liveRuns } from './close.js';
import { ownSpawn } from './own.js';
import { isRemote } from './remote.js';
import { awaitRemoteClose } from './remote-close.js';
import { stopRun } from './tree.js';

/** Extra facts for the log and events. */
export interface KillDetail {
  rss?: number;
  maxMemory?: number;
  /** Kill only while the run's process is this pid (a program's step may have moved on since the check). */
  pid?: number;
}

/**
 * Marks run `runId` of `name` as killed for `reason` (once), stops its whole tree and records the exit.
 * Resolves when it is recorded; never rejects (errors are emitted as `error`).
 */
export async function killRun(rt: Runtime, name: string, runId: string, reason: KillReason, detail: KillDetail = {}): Promise<void> {
  try {
    const run = await rt.store.mutateTask<CurrentRun | null>(name, async (record) => {
      const live = record ? liveRuns(record).find((r) => r.runId === runId) : undefined;
      if (!record || !live || live.kill !== null || (detail.pid !== undefined && live.pid !== detail.pid) || live.program?.retryAt) return { record: null, result: null };
      const marked = { ...live, kill: reason };
      const state = record.state.run?.runId === runId
        ? { ...record.state, run: marked }
        : { ...record.state, extraRuns: record.state.extraRuns.map((r) => (r.runId === runId ? marked : r)) };
      return { record: { ...record, state }, result: marked };
    });
    if (!run) return;
    announceKill(rt, name, run, reason, detail);
    await finishKill(rt, name, run);
  } catch (error) {
    rt.emitter.emit('error', error as Error, { name });
  }
}

/**
 * Finishes the kill of a run already marked (its tree stopped, its exit recorded), once per process at a time;
 * never rejects. Used for `replace`, and to retry a kill whose process died between marking and signalling.
 */
export function resumeKill(rt: Runtime, name: string, run: CurrentRun): void {
  if (rt.killing.has(run.runId)) return;
  rt.killing.add(run.runId);
  finishKill(rt, name, run)
    .catch((error: unknown) => rt.emitter.emit('error', error as Error, { name }))
    .finally(() => rt.killing.delete(run.runId));
}

/** Stops the tree of a run already marked with its kill reason, and records its exit. */
export async function finishKill(rt: Runtime, name: string, run: CurrentRun): Promise<void> {
  if (isRemote(rt, run)) { await awaitRemoteClose(rt, name, run.runId); return; } // its host finishes it (cluster)
  await stopRun(rt, run);
  const own = ownSpawn(rt, run);
  await closeRun(rt, name, run.runId, own ? await own.awaitExit() : null, run.pid);
}

function announceKill(rt: Runtime, name: string, run: CurrentRun, reason: KillReason, detail: KillDetail): void {
  if (reason === 'timeout') {
    const timeoutMs = run.deadline ? Date.parse(run.deadline) - Date.parse(run.program?.stepStartedAt ?? run.startedAt) : 0;
    rt.log(`Timed out: ${name} (run ${run.runId}) after ${timeoutMs} ms; stopping its process tree`);
    rt.emitter.emit('timeout', { name, runId: run.runId, pid: run.pid, timeoutMs });
  } else if (reason === 'memory') {
    rt.log(`Restarting ${name} (run ${run.runId}): memory ${detail.rss ?? 0} bytes over maxMemory ${detail.maxMemory ?? 0} bytes`);
    rt.emitter.emit('memory', { name, runId: run.runId, pid: run.pid, rss: detail.rss ?? 0, maxMemory: detail.maxMemory ?? 0 });
  }
}
