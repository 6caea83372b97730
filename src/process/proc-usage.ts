// One pass over /proc that also keeps each process's CPU time and resident memory: what cpu% and RSS of many process
// trees need, read once per sample for all of them (no `ps`, no `getconf`, no process spawned).
import { closeSync, openSync, readSync } from 'node:fs';
import { readUptime } from './clock.js';
import { PROC_ROOT, STAT_FIRST_FIELD_AFTER_COMM } from './identity.js';
import { readProcTableSliced, type ProcTable } from './proc-table.js';

/** 1-based `/proc/<pid>/stat` field: user-mode CPU time, in clock ticks (USER_HZ). */
export const STAT_FIELD_UTIME = 14;
/** 1-based `/proc/<pid>/stat` field: kernel-mode CPU time, in clock ticks (USER_HZ). */
export const STAT_FIELD_STIME = 15;
/** 1-based `/proc/<pid>/stat` field: resident set size, in pages. */
export const STAT_FIELD_RSS = 24;
/**
 * Page size assumed when it cannot be read: 4 KiB, the page size of x86-64 and of most arm64 kernels. {@link pageSize}
 * reads the real one (16 KiB and 64 KiB kernels exist on arm64 and ppc64).
 */
export const DEFAULT_PAGE_SIZE = 4096;
/** Largest page size believed (a larger `KernelPageSize` would be a huge-page mapping, not the base page). */
const MAX_PAGE_SIZE = 65_536;
/** Bytes of `/proc/self/smaps` read to find the first mapping's `KernelPageSize` line (it is in the first entry). */
const SMAPS_HEAD_BYTES = 4096;
const BYTES_PER_KB = 1024;

/** CPU time and resident memory of one process, from its stat line. */
export interface ProcUsage {
  /** CPU time used so far, user plus kernel (`utime + stime`), in clock ticks ({@link CLOCK_TICKS_PER_SECOND} a second). */
  ticks: number;
  /** Resident set size in bytes (stat's page count × {@link pageSize}). */
  rss: number;
}

/** A {@link ProcTable} that also has every process's {@link ProcUsage}, and when it was read. */
export interface UsageTable extends ProcTable {
  /** CPU time and RSS of every live process of `stats`, by pid. */
  readonly usage: ReadonlyMap<number, ProcUsage>;
  /** Seconds since boot when the pass started (`/proc/uptime`), or null when it could not be read. */
  readonly uptime: number | null;
  /** `performance.now()` when the pass started. */
  readonly at: number;
}

let cachedPageSize: number | undefined;

/**
 * The kernel's page size in bytes, the unit of stat's RSS field: the `KernelPageSize` of this process's first mapping
 * (its executable, never a huge-page mapping) in `/proc/self/smaps`, read once per process. Falls back to
 * {@link DEFAULT_PAGE_SIZE} when it cannot be read or is not a power of two between 4 KiB and 64 KiB.
 *
 * @example
 * ```ts
 * pageSize(); // 4096 on x86-64
 * ```
 */
export function pageSize(): number {
  cachedPageSize ??= readPageSize() ?? DEFAULT_PAGE_SIZE;
  return cachedPageSize;
}

function readPageSize(): number | null {
  let head: string;
  try {
    const fd = openSync(`${PROC_ROOT}/self/smaps`, 'r');
    try {
      const buffer = Buffer.alloc(SMAPS_HEAD_BYTES);
      head = buffer.toString('utf8', 0, readSync(fd, buffer, 0, SMAPS_HEAD_BYTES, null));
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const kb = Number(/^KernelPageSize:\s+(\d+) kB$/m.exec(head)?.[1]);
  const bytes = kb * BYTES_PER_KB;
  const powerOfTwo = Number.isSafeInteger(bytes) && (bytes & (bytes - 1)) === 0;
  return powerOfTwo && bytes >= DEFAULT_PAGE_SIZE && bytes <= MAX_PAGE_SIZE ? bytes : null;
}

/** The CPU time and RSS of a `/proc/<pid>/stat` text, or null when those fields are malformed. */
export function parseProcUsage(text: string): ProcUsage | null {
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ', STAT_FIELD_RSS - STAT_FIRST_FIELD_AFTER_COMM + 1); // no further than RSS
  const field = (n: number): number => Number(rest[n - STAT_FIRST_FIELD_AFTER_COMM]);
  const utime = field(STAT_FIELD_UTIME);
  const stime = field(STAT_FIELD_STIME);
  const pages = field(STAT_FIELD_RSS);
  if (![utime, stime, pages].every((n) => Number.isSafeInteger(n) && n >= 0)) return null;
  return { ticks: utime + stime, rss: pages * pageSize() };
}

/**
 * Reads `/proc/<pid>/stat` of every process once (about 15 µs each), keeping its identity fields, parent, CPU time and
 * RSS; zombies and processes gone since the listing are left out. The pass is {@link readProcTableSliced}'s (it yields
 * to the event loop every few hundred processes), with each line's CPU time and RSS kept. Empty without /proc.
 *
 * @example
 * ```ts
 * const table = await readUsageTable();
 * table.usage.get(process.pid); // { ticks: 42, rss: 51_380_224 }
 * ```
 */
export async function readUsageTable(): Promise<UsageTable> {
  const uptime = readUptime();
  const at = performance.now();
  const usage = new Map<number, ProcUsage>();
  const table = await readProcTableSliced(undefined, (pid, line) => {
    const used = parseProcUsage(line);
    if (used !== null) usage.set(pid, used);
    return used !== null;
  });
  return { ...table, usage, uptime, at };
}
