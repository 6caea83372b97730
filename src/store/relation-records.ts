// The stored shapes of a task's relations and process settings (issue 16): ready checks, chains, env files, limits.

/** A `ready` check, as stored: a regular expression as its source and flags. */
export type ReadySpec =
  | { kind: 'afterMs'; ms: number }
  | { kind: 'line'; source: string; flags: string }
  | { kind: 'port'; port: number }
  | { kind: 'file'; path: string };

/** When a chain fires: the upstream run succeeded, failed, or ended either way. */
export type ChainOn = 'success' | 'failure' | 'end';

/** One `after` entry: a run of `task` ending as `on` says starts a run of this task. */
export interface ChainLink { task: string; on: ChainOn }

/** One env file of a task: its path as given (relative to `wd`), and whether a missing file is ignored. */
export interface EnvFileRef { path: string; optional: boolean }

/** Kernel limits of a run (`ulimit`), each optional. */
export interface ProcessLimits {
  /** Data memory (heap and private mappings), bytes (`ulimit -d`). */
  memoryBytes?: number;
  /** CPU time, seconds (`ulimit -t`): SIGXCPU, then SIGKILL. */
  cpuSeconds?: number;
  /** Open file descriptors (`ulimit -n`). */
  openFiles?: number;
  /** Processes of the user (`ulimit -u`). */
  processes?: number;
}
