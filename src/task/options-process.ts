// Shape checks of addTask's user, group, limits and nice options. Whether this process may use them is checked at
// addTask and at each start (a non-root Executor asked to change user: PermissionError).
import { InvalidOptionError } from '../errors.js';
import type { ProcessLimits, TaskSpec } from '../store/records.js';
import { parseByteSize } from './bytes.js';

/** The lowest and highest `nice` values. */
export const NICE_RANGE = [-20, 19] as const;
/** User and group names (or numeric ids) as the system databases hold them. */
const ACCOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}\$?$/;
const LIMIT_KEYS = ['memory', 'cpuSeconds', 'openFiles', 'processes'] as const;

/** The `limits` option of `addTask`, as given. */
export interface LimitsOption { memory?: number | string; cpuSeconds?: number; openFiles?: number; processes?: number }

/** The process options of `addTask`: whose, how limited and how nice the run's processes are. */
export interface ProcessOptions {
  /** Run as this user (name or uid) when the supervisor runs as root; `HOME`, `USER` and `LOGNAME` follow. @defaultValue the Executor's user */
  user?: string | number | null;
  /** Run with this group (name or gid) when the supervisor runs as root. @defaultValue the user's primary group */
  group?: string | number | null;
  /**
   * Kernel limits set with `ulimit` before the script starts: the kernel refuses or kills past them (a run killed
   * so is recorded with `killedFor: 'limit'`). Unlike `maxMemory`, which restarts a task above an RSS.
   * @defaultValue none
   * @example `{ memory: '512 MB', cpuSeconds: 3600, openFiles: 1024, processes: 200 }`
   */
  limits?: LimitsOption | null;
  /** Scheduling priority, −20 (first) to 19 (last). @defaultValue none (the Executor's) */
  nice?: number | null;
}

function account(value: unknown, option: string): string {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return String(value);
  if (typeof value !== 'string' || !ACCOUNT_NAME.test(value)) throw new InvalidOptionError(option, `a ${option} name or numeric id`, value);
  return value;
}

function positiveInt(value: unknown, option: string): number {
  if (!(Number.isInteger(value) && (value as number) >= 1)) throw new InvalidOptionError(option, 'an integer >= 1', value);
  return value as number;
}

/**
 * Checks `limits` into its stored form (memory in bytes).
 * @example `checkLimits({ memory: '512 MB', cpuSeconds: 3600 }) // { memoryBytes: 512000000, cpuSeconds: 3600 }`
 */
export function checkLimits(value: unknown): ProcessLimits {
  const o = value as Record<string, unknown> | null;
  if (typeof value !== 'object' || o === null || Array.isArray(value)) throw new InvalidOptionError('limits', 'an object { memory?, cpuSeconds?, openFiles?, processes? }', value);
  for (const key of Object.keys(o)) if (!(LIMIT_KEYS as readonly string[]).includes(key)) throw new InvalidOptionError('limits', `made of known limits (${LIMIT_KEYS.join(', ')})`, key);
  const out: ProcessLimits = {};
  if (o.memory !== undefined) out.memoryBytes = parseByteSize(o.memory, 'limits.memory', 1024 * 1024);
  if (o.cpuSeconds !== undefined) out.cpuSeconds = positiveInt(o.cpuSeconds, 'limits.cpuSeconds');
  if (o.openFiles !== undefined) out.openFiles = positiveInt(o.openFiles, 'limits.openFiles');
  if (o.processes !== undefined) out.processes = positiveInt(o.processes, 'limits.processes');
  return out;
}

/**
 * Checks `user`, `group`, `limits` and `nice`; only the given ones are returned.
 * @example `checkProcessOptions({ user: 'svc', nice: 10 })`
 */
export function checkProcessOptions(o: Record<string, unknown>): Pick<TaskSpec, 'user' | 'group' | 'limits' | 'nice'> {
  const out: Pick<TaskSpec, 'user' | 'group' | 'limits' | 'nice'> = {};
  if (o.user !== undefined && o.user !== null) out.user = account(o.user, 'user');
  if (o.group !== undefined && o.group !== null) out.group = account(o.group, 'group');
  if (o.limits !== undefined && o.limits !== null) out.limits = checkLimits(o.limits);
  if (o.nice !== undefined && o.nice !== null) {
    if (!(Number.isInteger(o.nice) && (o.nice as number) >= NICE_RANGE[0] && (o.nice as number) <= NICE_RANGE[1])) throw new InvalidOptionError('nice', `an integer from ${NICE_RANGE[0]} to ${NICE_RANGE[1]}`, o.nice);
    out.nice = o.nice as number;
  }
  return out;
}
