// The options and result rows of moving tasks between a folder and a cluster (cluster/transfer.ts). Pure.
import { InvalidOptionError } from '../errors.js';
import type { TaskStatus } from '../store/records.js';
import { assertTaskName } from '../task/name.js';
import { checkClusterOptions, displayUrl, type ClusterConfig } from './options.js';

/** What to do with a task that already exists in the target. */
export type ExistingPolicy = 'refuse' | 'replace' | 'skip';

/** Options of `importFolder` / `exportCluster`. */
export interface TransferOptions {
  /** The cluster: a PostgreSQL URL, optionally with `?schema=name` (as `new Executor(folder, { cluster })`). */
  cluster: string;
  /**
   * This host's name in the cluster: imported runs are recorded as run on it (their output stays in this folder).
   * @defaultValue the machine's hostname
   */
  host?: string;
  /**
   * Only these tasks (each must exist in the source; their `dependsOn` / `after` must exist in the target afterwards).
   * @defaultValue every task of the source
   */
  tasks?: string[];
  /**
   * A task of the same name already in the target: `'refuse'` throws `TaskExistsError` before anything is written,
   * `'replace'` replaces its definition (as `addTask` with `replace`: its state, a live run included, is kept), `'skip'`
   * leaves it as it is.
   * @defaultValue 'refuse'
   */
  existing?: ExistingPolicy;
  /**
   * Copy each task's finished runs (its run ledger, not the output files) with it.
   * @defaultValue true
   */
  runs?: boolean;
  /**
   * Check everything and return the rows that a real transfer would, writing nothing.
   * @defaultValue false
   */
  dryRun?: boolean;
}

/** The options `importFolder` / `exportCluster` take; any other key is refused. */
export const TRANSFER_OPTIONS: readonly string[] = ['cluster', 'host', 'tasks', 'existing', 'runs', 'dryRun'];

/** What became of one task. */
export interface TransferRow {
  /** Task name. */
  name: string;
  /** `'copied'`: new in the target; `'replaced'`: its definition replaced there; `'skipped'`: left as it was there. */
  result: 'copied' | 'replaced' | 'skipped';
  /** Why it was skipped (`'already there'`), else null. */
  reason: string | null;
  /** Its status in the source when it was read (it arrives stopped: see docs/cluster.md). */
  was: TaskStatus;
  /** Finished runs copied with it. */
  runs: number;
  /**
   * Its secret env values: `'none'`, `'kept'` (kept where the target's runs read them), or `'missing'` (found nowhere
   * here: the record went with them masked, and a start fails with `ERR_ENV_FILE` until the task is added again).
   */
  secrets: 'none' | 'kept' | 'missing';
  /** With `secrets: 'missing'`: the env names (program steps' as `step/NAME`), never a value. Else `[]`. */
  missingSecrets: string[];
}

/** What `importFolder` / `exportCluster` did (or, with `dryRun`, would do). */
export interface TransferReport {
  /** Where the tasks came from: a folder path, or the cluster URL without its password. */
  from: string;
  /** Where they went. */
  to: string;
  /** True when nothing was written (`dryRun`). */
  dryRun: boolean;
  /** One row per task, by name. */
  rows: TransferRow[];
}

/** Transfer options, checked. */
export interface CheckedTransfer {
  config: ClusterConfig;
  /** The cluster URL for messages: its password `***`, its `?schema=` kept. */
  label: string;
  tasks: string[] | null;
  existing: ExistingPolicy;
  runs: boolean;
  dryRun: boolean;
}

const EXISTING: readonly ExistingPolicy[] = ['refuse', 'replace', 'skip'];

function checkFlag(o: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const value = o[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new InvalidOptionError(key, 'a boolean', value);
  return value;
}

function checkTasks(value: unknown): string[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) throw new InvalidOptionError('tasks', 'an array of task names', value);
  value.forEach((name: unknown, i) => {
    try { assertTaskName(name); } catch { throw new InvalidOptionError(`tasks[${i}]`, 'a task name', name); }
  });
  return [...new Set(value as string[])];
}

/**
 * Validates a folder path and transfer options (before anything is read or written).
 * @throws InvalidOptionError naming the option, what was expected and what was got.
 * @example `checkTransfer('/srv/jobs', { cluster: 'postgres://db/jobs', existing: 'skip' }).existing // 'skip'`
 */
export function checkTransfer(folder: unknown, options: unknown): CheckedTransfer {
  if (typeof folder !== 'string' || folder.length === 0) throw new InvalidOptionError('folder', 'a non-empty folder path', folder);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object like { cluster: \'postgres://…\' }', options);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!TRANSFER_OPTIONS.includes(key)) throw new InvalidOptionError('options', `made of known options (${TRANSFER_OPTIONS.join(', ')})`, key);
  if (o.cluster === undefined) throw new InvalidOptionError('cluster', 'a PostgreSQL URL like postgres://user@host:5432/db (optionally ?schema=name)', undefined);
  const config = checkClusterOptions({ cluster: o.cluster as string, host: o.host as string | undefined })!;
  if (o.existing !== undefined && !EXISTING.includes(o.existing as ExistingPolicy)) throw new InvalidOptionError('existing', '\'refuse\', \'replace\' or \'skip\'', o.existing);
  return {
    config, label: displayUrl(o.cluster as string), tasks: checkTasks(o.tasks),
    existing: (o.existing as ExistingPolicy | undefined) ?? 'refuse', runs: checkFlag(o, 'runs', true), dryRun: checkFlag(o, 'dryRun', false),
  };
}
