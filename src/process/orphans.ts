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

/**
 * False when a run spawned by this process (its shim `root`, now gone) surely left nothing running: its process group is
 * empty, and no child of init or of this process's ancestors started after it. Anything it left is in its group, or is
 * (or descends from) an orphan reparented to one of those. True means: look closer (a /proc scan).
 *
 * @example
 * ```ts
 * if (mayHaveLeftovers(shim)) await scanForLeftovers(run);
 * ```
 */
export function mayHaveLeftovers(root: ProcessIdentity): boolean {
  if (groupAlive(root.pid)) return true;
  for (const reaper of orphanReapers()) {
    for (const child of listChildren(reaper)) {
      const stat = readProcStat(child);
      if (stat !== null && stat.startTime >= root.startTime && stat.pid !== process.pid) return true;
    }
  }
  return false;
}
