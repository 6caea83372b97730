// A cheap first look for what a run may have left behind, before any /proc scan: its process group, and the new
// children of the processes orphans are reparented to (init, and the ancestors of the process that spawned the run).
import { readProcStat, type ProcessIdentity } from './identity.js';
import { listChildren } from './tree.js';

/** Most ancestors walked (a guard against a cycle while pids are reused). */
const MAX_ANCESTORS = 64;

/** True when some process is still in process group `pgid` (or one exists we may not signal). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Init and this process's ancestors: where an orphan of a run this process spawned is reparented (a subreaper or init). */
function orphanReapers(): number[] {
  const out = [1];
  for (let pid = readProcStat(process.pid)?.ppid; pid !== undefined && pid > 1 && out.length < MAX_ANCESTORS; pid = readProcStat(pid)?.ppid) out.push(pid);
  return out;
}

/** Start times (clock ticks since boot) of the children of init and of this process's ancestors, except this process. */
function orphanStartTimes(): number[] {
  const out: number[] = [];
  for (const reaper of orphanReapers()) {
    for (const child of listChildren(reaper)) {
      const stat = readProcStat(child);
      if (stat !== null && stat.pid !== process.pid) out.push(stat.startTime);
    }
  }
  return out;
}

/**
 * A cheap first look for runs spawned by this process whose shims are gone. The returned check answers false when
 * run `root` surely left nothing running: its process group is empty, and no child of init or of this process's
 * ancestors started after it. Anything it left is in its group, or is (or descends from) an orphan reparented to one
 * of those. True means: look closer (a /proc scan). The reapers' children are read once, at the first run whose
 * group is empty, and serve every later call of the same check: make one per batch of ended runs.
 *
 * @example
 * ```ts
 * const mayHaveLeftovers = orphanCheck();
 * const suspects = ended.filter((shim) => mayHaveLeftovers(shim));
 * ```
 */
export function orphanCheck(): (root: ProcessIdentity) => boolean {
  let latest: number | null = null; // the latest start time among the reapers' children, read on first need
  return (root) => {
    if (groupAlive(root.pid)) return true;
    latest ??= Math.max(-1, ...orphanStartTimes());
    return latest >= root.startTime;
  };
}
