// One pass over /proc that also keeps each process's CPU time and resident memory: what cpu% and RSS of many process
// trees need, read once per sample for all of them (no `ps`, no `getconf`, no process spawned).
import { closeSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { monotonicMs, readUptime } from './clock.js';
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
/** Largest page size believed. */
const MAX_PAGE_SIZE = 65_536;
/** The aux vector entry that holds the page size (`AT_PAGESZ`, from <elf.h>). */
const AT_PAGESZ = 6n;
/** Bytes read of `/proc/self/auxv` (a few hundred: about 20 pairs of machine words). */
const AUXV_BYTES = 1024;
/** Architectures whose machine word (an auxv field) is 4 bytes; every other is 8. */
const WORD32_ARCHES: ReadonlySet<string> = new Set(['arm', 'ia32', 'mips', 'mipsel', 'ppc']);

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
  /** When the pass started, in `monotonicMs()` milliseconds. */
  readonly at: number;
}

let cachedPageSize: number | undefined;

/**
 * The kernel's page size in bytes, the unit of stat's RSS field: `AT_PAGESZ` of this process's aux vector
 * (`/proc/self/auxv`, what the kernel handed the program at exec), read once per process. Falls back to
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
  const buffer = Buffer.alloc(AUXV_BYTES);
  let length: number;
  try {
    const fd = openSync(`${PROC_ROOT}/self/auxv`, 'r');
    try {
      length = readSync(fd, buffer, 0, AUXV_BYTES, null);
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
  const word = WORD32_ARCHES.has(process.arch) ? 4 : 8;
  const little = endianness() === 'LE';
  const at = (offset: number): bigint => word === 8
    ? (little ? buffer.readBigUInt64LE(offset) : buffer.readBigUInt64BE(offset))
    : BigInt(little ? buffer.readUInt32LE(offset) : buffer.readUInt32BE(offset));
  for (let offset = 0; offset + 2 * word <= length; offset += 2 * word) {
    if (at(offset) !== AT_PAGESZ) continue;
    const bytes = Number(at(offset + word));
    const powerOfTwo = Number.isSafeInteger(bytes) && (bytes & (bytes - 1)) === 0;
    return powerOfTwo && bytes >= DEFAULT_PAGE_SIZE && bytes <= MAX_PAGE_SIZE ? bytes : null;
  }
  return null;
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
  const at = monotonicMs();
  const usage = new Map<number, ProcUsage>();
  const table = await readProcTableSliced(undefined, (pid, line) => {
    const used = parseProcUsage(line);
    if (used !== null) usage.set(pid, used);
    return used !== null;
  });
  return { ...table, usage, uptime, at };
}
