// Cluster mode, in the schedule step (under the task's lock): claims the due slots' rows (slots.ts) before any of them
// is launched, queued or skipped, and tells which were handled by another host, so a slot runs once in the cluster.
import type { Runtime } from '../runtime.js';
import type { LaunchRequest } from '../run/launch.js';
import { newRunId } from '../run/ids.js';
import type { Plan } from '../schedule/plan.js';
import { clusterOf } from './pg-store.js';
import { claimSlots, handledSlots, releaseSlots } from './slots.js';

/** What the claim of a pass's due slots gave. */
export interface DueClaim {
  /** The due slots (epoch ms) this host handles; the others were handled elsewhere. */
  mine: Set<number>;
  /** The plan's missed slots less those some host handled (a stale `lastScheduledAt` does not report them). */
  missed: { list: number[]; count: number };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Claims the rows of the due slots `reqs` (each gets its run id now, recorded in its row). Null for a folder (every
 * slot is this process's); `'refused'` when this host may not handle slots (its host was claimed down while it was
 * frozen, or another process registered it): the pass then leaves the schedule alone.
 * `undo` gets what gives the claims back if the record is never written.
 * @example `const claim = await claimDueSlots(rt, 'report', reqs, lastScheduledAt, plan, ctx.undo);`
 */
export async function claimDueSlots(rt: Runtime, task: string, reqs: LaunchRequest[], lastScheduledAt: number | null, plan: Plan, undo: (() => Promise<unknown>)[] = []): Promise<DueClaim | 'refused' | null> {
  const cluster = clusterOf(rt.store);
  if (cluster === null || rt.host === null) return null;
  const { db } = cluster;
  let missed = { list: plan.missed, count: plan.missedCount };
  if (plan.missedCount > 0 && lastScheduledAt !== null && plan.last !== null) {
    const fire = new Set(plan.fire);
    const handled = [...await handledSlots(db, task, lastScheduledAt, plan.last)].filter((s) => !fire.has(s));
    if (handled.length > 0) {
      const seen = new Set(handled);
      missed = { list: plan.missed.filter((s) => !seen.has(s)), count: Math.max(0, plan.missedCount - handled.length) };
    }
  }
  const now = rt.now();
  for (const req of reqs) req.runId ??= newRunId(now);
  const slots = reqs.map((req) => ({ at: req.scheduledFor!, runId: req.runId! }));
  const supervisorPid = rt.supervisor === null ? null : process.pid;
  const { allowed, mine } = await claimSlots(db, { task, host: rt.host, supervisorPid, slots });
  if (!allowed) {
    rt.log(`Not firing ${task}: host ${rt.host} was claimed down or registered again by another process`);
    return 'refused';
  }
  // The record that names these runs may fail to be written (the database went away): the claims then go back.
  const claimed = reqs.filter((req) => mine.has(req.scheduledFor!)).map((req) => req.runId!);
  if (claimed.length > 0) undo.push(() => releaseSlots(db, task, claimed));
  for (const req of reqs) {
    if (mine.has(req.scheduledFor!)) continue;
    rt.log(`Not running the ${iso(req.scheduledFor!)} slot of ${task}: another host handled it`);
  }
  return { mine, missed };
}
