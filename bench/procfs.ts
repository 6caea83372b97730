// /proc readings shared by the benches: processes carrying a marker in their environment, and a process's RSS and PSS.
// Linux only, as the benches are.
import { readdirSync, readFileSync } from 'node:fs';

const KIB = 1024;

/** Pids of the live processes whose environment holds `key=value` (read from `/proc/<pid>/environ`). */
export function markedPids(key: string, value: string): number[] {
  const needle = `${key}=${value}`;
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(needle)) pids.push(Number(name));
    } catch { /* gone, or not ours to read */ }
  }
  return pids;
}

/** A `/proc/<pid>/<file>` field in kB (e.g. `VmRSS:` of status, `Pss:` of smaps_rollup), in bytes; 0 once the process is gone. */
function kbField(pid: number | 'self', file: string, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return match ? Number(match[1]) * KIB : 0;
  } catch {
    return 0;
  }
}

/** Resident set size of a process (`VmRSS` of `/proc/<pid>/status`), in bytes. */
export const rssBytes = (pid: number | 'self'): number => kbField(pid, 'status', 'VmRSS');

/** Proportional set size of a process (`Pss` of `/proc/<pid>/smaps_rollup`: each shared page split among its sharers), in bytes. */
export const pssBytes = (pid: number | 'self'): number => kbField(pid, 'smaps_rollup', 'Pss');

/** Sum of `pssBytes` over some processes. */
export const totalPss = (pids: number[]): number => pids.reduce((sum, pid) => sum + pssBytes(pid), 0);
