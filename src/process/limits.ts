// A task's `limits`, `nice` and account as shell: builtins run by the shim's subshell right before it `exec`s the script
// (through `nice`, then `setpriv` for another user), so the shim itself (which records the exit) is neither limited, niced nor switched.
import { existsSync } from 'node:fs';
import { getPriority } from 'node:os';
import type { ProcessLimits } from '../store/records.js';
import { switchCommand, type RunAccount } from './user.js';

/** Seconds of CPU between the soft limit (SIGXCPU, which the run may catch) and the hard one (SIGKILL). */
export const CPU_GRACE_SECONDS = 1;
/** Where `nice` is looked for (coreutils, busybox); `nice` from the run's PATH otherwise. */
export const NICE_PATHS = ['/usr/bin/nice', '/bin/nice'] as const;
/** The shim's command subshell, which every shim variant holds exactly once. */
export const COMMAND_SUBSHELL = '(exec "$@")';

let nicePath: string | undefined;

function niceCommand(): string {
  nicePath ??= NICE_PATHS.find((p) => existsSync(p)) ?? 'nice';
  return nicePath;
}

/** What a run is limited by: the task's `limits` and `nice`. */
export interface RunLimits {
  /** Kernel limits (`ulimit`), or null for none. */
  limits?: ProcessLimits | null;
  /** Absolute niceness (−20…19), or null to keep the Executor's. */
  nice?: number | null;
  /** The account the command runs as (see `switchCommand`), or null to keep the Executor's. */
  account?: Pick<RunAccount, 'uid' | 'gid'> | null;
}

/**
 * The `ulimit` commands for `limits` (sh builtins; each sets both the soft and hard limit, `-t` leaves
 * {@link CPU_GRACE_SECONDS} between them so a run first gets SIGXCPU). Processes: `-u` (bash, busybox) or `-p` (dash).
 * @example `ulimitCommands({ cpuSeconds: 5, openFiles: 64 }) // ['ulimit -t 6', 'ulimit -S -t 5', 'ulimit -n 64']`
 */
export function ulimitCommands(limits: ProcessLimits): string[] {
  const out: string[] = [];
  if (limits.memoryBytes !== undefined) out.push(`ulimit -d ${Math.max(1, Math.floor(limits.memoryBytes / 1024))}`); // data (heap, private mappings): -v would stop Node, which reserves far more address space than it uses
  if (limits.cpuSeconds !== undefined) out.push(`ulimit -t ${limits.cpuSeconds + CPU_GRACE_SECONDS}`, `ulimit -S -t ${limits.cpuSeconds}`);
  if (limits.openFiles !== undefined) out.push(`ulimit -n ${limits.openFiles}`);
  if (limits.processes !== undefined) out.push(`{ ulimit -u ${limits.processes} 2>/dev/null || ulimit -p ${limits.processes}; }`);
  return out;
}

/**
 * The shim's command subshell with the limits applied before `exec`, or {@link COMMAND_SUBSHELL} unchanged when there
 * is nothing to apply. A limit that cannot be set (above a hard limit this process may not raise) fails the run with the
 * shell's message in its output, rather than running it unlimited. With `account`, the command is `exec`ed through
 * `setpriv` (the limits and the niceness, set before by the Executor's user, are inherited: a root supervisor may give a
 * task of another user a niceness below its own). `nice` is absolute: the adjustment is from the Executor's own
 * niceness.
 * @throws {Error} when `account` is set and `setpriv` is not installed.
 * @example `commandSubshell({ nice: 10 }) // '(exec /usr/bin/nice -n 10 "$@")'`
 */
export function commandSubshell(run: RunLimits): string {
  const steps = run.limits ? ulimitCommands(run.limits) : [];
  const nice = run.nice ?? null;
  const words = [
    ...(nice === null ? [] : [niceCommand(), '-n', String(nice - getPriority())]),
    ...(run.account ? switchCommand(run.account) : []),
  ];
  if (steps.length === 0 && words.length === 0) return COMMAND_SUBSHELL;
  return `(${[...steps, `exec ${words.map(shellWord).join(' ')} "$@"`].join(' && ')})`;
}

/** `word` quoted for sh when it holds anything but safe characters (paths and flags normally do not). */
function shellWord(word: string): string {
  return /^[\w./=+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * `script` with its command subshell replaced by `subshell`.
 * @throws {Error} when `script` does not hold {@link COMMAND_SUBSHELL} exactly once (a shim variant changed: a bug).
 */
export function withSubshell(script: string, subshell: string): string {
  if (subshell === COMMAND_SUBSHELL) return script;
  const parts = script.split(COMMAND_SUBSHELL);
  if (parts.length !== 2) throw new Error(`internal: the shim holds ${parts.length - 1} command subshells, expected 1`);
  return parts.join(subshell);
}
