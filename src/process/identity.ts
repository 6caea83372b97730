// Who a process is: pid + start time + boot id, read from /proc, so a reused pid is never mistaken for ours.
import { readFileSync } from 'node:fs';

/** Root of the proc filesystem. */
export const PROC_ROOT = '/proc';
/** File holding a random id that changes at every boot. */
export const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';
/** 1-based number of the first `/proc/<pid>/stat` field after the `(comm)` field (the state). */
export const STAT_FIRST_FIELD_AFTER_COMM = 3;
/** 1-based `/proc/<pid>/stat` field: parent pid. */
export const STAT_FIELD_PPID = 4;
/** 1-based `/proc/<pid>/stat` field: process group id. */
export const STAT_FIELD_PGRP = 5;
/** 1-based `/proc/<pid>/stat` field: session id. */
export const STAT_FIELD_SESSION = 6;
/** 1-based `/proc/<pid>/stat` field: start time, in clock ticks since boot. */
export const STAT_FIELD_START_TIME = 22;
/** Process states that mean "dead": zombie and dead. */
export const DEAD_STATES: ReadonlySet<string> = new Set(['Z', 'X']);

/**
 * Identifies one process across its lifetime and across pid reuse.
 *
 * @example
 * ```ts
 * const id = readIdentity(pid);
 * // later, possibly from another Node process:
 * if (id && isAlive(id)) process.kill(id.pid, 'SIGTERM');
 * ```
 */
export interface ProcessIdentity {
  /** Process id. */
  pid: number;
  /** `/proc/<pid>/stat` field 22: start time in clock ticks since boot. */
  startTime: number;
  /** `/proc/sys/kernel/random/boot_id` when the identity was read. */
  bootId: string;
}

/** The fields of `/proc/<pid>/stat` this library uses. */
export interface ProcStat {
  /** Process id. */
  pid: number;
  /** Executable name (field 2, without the parentheses; may hold spaces and parentheses). */
  comm: string;
  /** One-letter state, e.g. `R`, `S`, `D`, `T`, `Z`, `X`. */
  state: string;
  /** Parent pid. */
  ppid: number;
  /** Process group id. */
  pgrp: number;
  /** Session id. */
  session: number;
  /** Start time in clock ticks since boot. */
  startTime: number;
}

let cachedBootId: string | undefined;

/** Returns this machine's boot id (read once, then cached for the life of the process). */
export function readBootId(): string {
  cachedBootId ??= readFileSync(BOOT_ID_FILE, 'utf8').trim();
  return cachedBootId;
}

/**
 * Parses the text of a `/proc/<pid>/stat` file, or returns null if it is malformed.
 * The comm field may hold spaces and parentheses, so fields are split after the LAST `)`.
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  // rest[0] is field 3 (state), so field n is rest[n - 3]; split no further than the last field used (of 52).
  const rest = text.slice(close + 2).split(' ', STAT_FIELD_START_TIME - STAT_FIRST_FIELD_AFTER_COMM + 1);
  const field = (n: number): string | undefined => rest[n - STAT_FIRST_FIELD_AFTER_COMM];
  const pid = Number(text.slice(0, open).trim());
  const state = field(STAT_FIRST_FIELD_AFTER_COMM);
  const ppid = Number(field(STAT_FIELD_PPID));
  const pgrp = Number(field(STAT_FIELD_PGRP));
  const session = Number(field(STAT_FIELD_SESSION));
  const startTime = Number(field(STAT_FIELD_START_TIME));
  if (!state || ![pid, ppid, pgrp, session, startTime].every(Number.isSafeInteger)) return null;
  return { pid, comm: text.slice(open + 1, close), state, ppid, pgrp, session, startTime };
}

/** Reads `/proc/<pid>/stat`, zombies included; null when there is no such process. */
export function readProcStat(pid: number): ProcStat | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  let text: string;
  try {
    text = readFileSync(`${PROC_ROOT}/${pid}/stat`, 'utf8');
  } catch {
    return null; // ENOENT/ESRCH: the process is gone (or never was)
  }
  return parseProcStat(text);
}

/** Returns the one-letter state of a process (`R`, `S`, `Z`, …), or null when there is no such process. */
export function readProcState(pid: number): string | null {
  return readProcStat(pid)?.state ?? null;
}

/** True for a state that means the process has finished running (zombie or dead). */
export function isDeadState(state: string): boolean {
  return DEAD_STATES.has(state);
}

/** Builds the identity of a stat line, whatever its state. */
export function identityOf(stat: ProcStat): ProcessIdentity {
  return { pid: stat.pid, startTime: stat.startTime, bootId: readBootId() };
}

/**
 * Reads the identity of a running process.
 * Returns null when there is no such process, or when it is a zombie or dead (state `Z` or `X`).
 *
 * @example
 * ```ts
 * const me = readIdentity(process.pid); // { pid, startTime, bootId }
 * ```
 */
export function readIdentity(pid: number): ProcessIdentity | null {
  const stat = readProcStat(pid);
  if (!stat || isDeadState(stat.state)) return null;
  return identityOf(stat);
}

/** True when `stat` describes the very process `id` (same pid, start time and boot), zombie or not. */
export function sameProcess(id: ProcessIdentity, stat: ProcStat | null): boolean {
  return stat !== null && stat.pid === id.pid && stat.startTime === id.startTime && id.bootId === readBootId();
}

/**
 * True when the process `id` still runs: same pid, not a zombie, same start time, same boot.
 * A reused pid (another start time) or a previous boot gives false.
 */
export function isAlive(id: ProcessIdentity): boolean {
  if (id.bootId !== readBootId()) return false;
  const stat = readProcStat(id.pid);
  return stat !== null && !isDeadState(stat.state) && sameProcess(id, stat);
}
