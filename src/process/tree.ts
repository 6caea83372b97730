// Process tree walks over /proc: children, descendants, process-group members.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isDeadState, PROC_ROOT, readProcStat } from './identity.js';
import { listPids } from './proc-table.js';

// Whether the kernel has /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN); probed once on our own main thread.
let childrenFileSupported: boolean | undefined;

function hasChildrenFiles(): boolean {
  childrenFileSupported ??= existsSync(`${PROC_ROOT}/${process.pid}/task/${process.pid}/children`);
  return childrenFileSupported;
}

/** Pids of the live (non-zombie) processes whose stat matches `keep`, found by scanning /proc. */
function scanProcs(keep: (ppid: number, pgrp: number) => boolean): number[] {
  const found: number[] = [];
  for (const pid of listPids()) {
    const stat = readProcStat(pid);
    if (stat && !isDeadState(stat.state) && keep(stat.ppid, stat.pgrp)) found.push(pid);
  }
  return found;
}

/** Children listed in /proc/<pid>/task/<tid>/children, over every thread (a child's parent is the thread that forked it). */
function readChildrenFiles(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`${PROC_ROOT}/${pid}/task`);
  } catch {
    return []; // no such process: no children
  }
  const children = new Set<number>();
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`${PROC_ROOT}/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue; // the thread (or the whole process) just exited
    }
    for (const word of text.split(/\s+/)) if (word) children.add(Number(word));
  }
  return [...children];
}

/**
 * Lists the live (non-zombie) direct children of `pid`.
 * Reads `/proc/<pid>/task/<tid>/children` of every thread when the kernel has it, else scans /proc for ppid == pid.
 * Returns `[]` when `pid` does not exist.
 */
export function listChildren(pid: number): number[] {
  if (!Number.isSafeInteger(pid) || pid <= 0) return [];
  if (!hasChildrenFiles()) return scanProcs((ppid) => ppid === pid);
  return readChildrenFiles(pid).filter((child) => {
    const stat = readProcStat(child);
    return stat !== null && !isDeadState(stat.state);
  });
}

/**
 * Lists every live descendant of `pid` (children, grandchildren, …), excluding `pid` itself, parents before children.
 *
 * @example
 * ```ts
 * const all = [root.pid, ...listDescendants(root.pid)];
 * ```
 */
export function listDescendants(pid: number): number[] {
  const seen = new Set<number>([pid]);
  const out: number[] = [];
  for (let i = -1; i < out.length; i++) {
    const parent = i < 0 ? pid : out[i]!;
    for (const child of listChildren(parent)) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
    }
  }
  return out;
}

/** Lists the live (non-zombie) processes whose process group id (stat field 5) is `pgid`, by scanning /proc. */
export function listGroupMembers(pgid: number): number[] {
  if (!Number.isSafeInteger(pgid) || pgid <= 0) return [];
  return scanProcs((_ppid, pgrp) => pgrp === pgid);
}
