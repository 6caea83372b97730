// One pass over /proc: every live process's stat line, so a whole tree is built without a read per process per question.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { isDeadState, parseProcStat, PROC_ROOT, type ProcStat } from './identity.js';

/** The live (non-zombie) processes seen in one pass over /proc, by pid, with their children by parent pid. */
export interface ProcTable {
  /** Stat of every live process, by pid. */
  readonly stats: ReadonlyMap<number, ProcStat>;
  /** Pids of the live children of each parent pid. */
  readonly children: ReadonlyMap<number, readonly number[]>;
}

let procMounted: boolean | undefined;

/** True when this machine has a Linux /proc (identity, trees and markers all need it; without it tree-kill is used). */
export function hasProc(): boolean {
  procMounted ??= existsSync(`${PROC_ROOT}/self/stat`);
  return procMounted;
}

/**
 * Reads `/proc/<pid>/stat` of every process once (about 15 µs each on a 2-core machine: 1,000 processes in ~15 ms).
 *
 * @example
 * ```ts
 * const table = readProcTable();
 * const kids = table.children.get(process.pid) ?? [];
 * ```
 */
export function readProcTable(): ProcTable {
  const stats = new Map<number, ProcStat>();
  const children = new Map<number, number[]>();
  let names: string[];
  try {
    names = readdirSync(PROC_ROOT);
  } catch {
    names = [];
  }
  for (const name of names) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid <= 0) continue;
    let text: string;
    try {
      text = readFileSync(`${PROC_ROOT}/${pid}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    const stat = parseProcStat(text);
    if (!stat || isDeadState(stat.state)) continue;
    stats.set(pid, stat);
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  return { stats, children };
}

/** Every live descendant of `pids` in `table` (children, grandchildren, …), excluding `pids` themselves. */
export function descendantsIn(table: ProcTable, pids: Iterable<number>): number[] {
  const seen = new Set<number>(pids);
  const queue = [...seen];
  const out: number[] = [];
  for (let i = 0; i < queue.length; i++) {
    for (const child of table.children.get(queue[i]!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      queue.push(child);
      out.push(child);
    }
  }
  return out;
}
