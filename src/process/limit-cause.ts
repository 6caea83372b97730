// Whether a run was killed by a kernel limit (`limits`), and which one, from how it ended: only what can be known.
import type { ProcessLimits } from '../store/records.js';
import type { RunExit } from './shim.js';

const MS_PER_SECOND = 1000;
// How a process that could not get memory dies (rather than exiting with an error of its own).
const MEMORY_DEATHS: ReadonlySet<string> = new Set(['SIGSEGV', 'SIGABRT', 'SIGBUS', 'SIGTRAP']);

/** A run killed by a limit: the limit's name (`'cpuSeconds'`), or null when it was a limit but not which of the task's. */
export interface LimitKill {
  limit: string | null;
}

/**
 * Tells a run killed by a kernel limit from one that ended otherwise. Call it only for a run the Executor did not
 * kill itself (no stop, timeout or `maxMemory`). What can be known:
 *
 * - **SIGXCPU**: only the kernel's CPU limit sends it → killed by a limit; `'cpuSeconds'` when the task sets one
 *   (else an inherited `ulimit -t`: limit null).
 * - **SIGXFSZ**: a file-size limit (inherited; not one of `limits`) → limit null.
 * - **SIGKILL** of a task with `cpuSeconds`: the hard CPU limit (one grace second after the soft one) kills so, but so
 *   do the OOM killer and `kill -9`; it is put down to `cpuSeconds` only when the shim recorded (`recorded.cpuMs`)
 *   that the command had used at least `cpuSeconds` of CPU, i.e. it had been sent SIGXCPU already and was in its grace
 *   second. Otherwise: not a limit kill (null).
 * - **SIGSEGV, SIGABRT, SIGBUS or SIGTRAP** of a task with `memory`: a runtime that cannot allocate dies so (V8 past
 *   `ulimit -d` faults, Node's fatal out-of-memory aborts, C++'s uncaught `bad_alloc` aborts) → `'memory'`. A script that catches the failed allocation and exits
 *   non-zero is a plain failure (null): nothing tells it from any other.
 * - **openFiles, processes**: the kernel refuses (`open` or `fork` fails) and the script decides what to do, like any
 *   other failure: never put down to a limit (null).
 *
 * @example
 * ```ts
 * limitKillOf({ cpuSeconds: 1 }, { exitCode: null, signal: 'SIGXCPU' }, null); // { limit: 'cpuSeconds' }
 * limitKillOf({ memoryBytes: 1e8 }, { exitCode: 1, signal: null }, null);       // null
 * ```
 */
export function limitKillOf(limits: ProcessLimits | null | undefined, exit: RunExit, recorded: RunExit | null): LimitKill | null {
  const cpu = limits?.cpuSeconds;
  if (exit.signal === 'SIGXCPU') return { limit: cpu === undefined ? null : 'cpuSeconds' };
  if (exit.signal === 'SIGXFSZ') return { limit: null };
  if (exit.signal !== null && MEMORY_DEATHS.has(exit.signal) && limits?.memoryBytes !== undefined) return { limit: 'memory' };
  if (exit.signal !== 'SIGKILL' || cpu === undefined) return null;
  const used = recorded?.cpuMs;
  return used !== undefined && used >= cpu * MS_PER_SECOND ? { limit: 'cpuSeconds' } : null;
}
