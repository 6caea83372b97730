// The run marker: every process of a run carries EXECUTOR_ID and EXECUTOR_RUN_ID in its environment, so the run's
// processes are found even after they left its process group and session (a setsid double-fork, a daemon).
import { readFileSync } from 'node:fs';
import { PROC_ROOT } from './identity.js';

/** Environment variable holding the executor (folder) id; with {@link MARKER_RUN_VAR} it marks a run's processes. */
export const MARKER_ID_VAR = 'EXECUTOR_ID';
/** Environment variable holding the run id; inherited by every child the run starts. */
export const MARKER_RUN_VAR = 'EXECUTOR_RUN_ID';

/** Environment variable holding the task name: with {@link MARKER_ID_VAR}, it marks every run of a task. */
export const MARKER_TASK_VAR = 'EXECUTOR_TASK';

/** Environment variable holding the cluster host a run runs on: with {@link MARKER_ID_VAR}, it marks every run of the host. */
export const MARKER_HOST_VAR = 'EXECUTOR_HOST';

/** Which processes to look for: the folder's executor id and the run id, or (for every run of a task) the task name. */
export interface RunMarker {
  /** Cluster mode: the host (`EXECUTOR_HOST`): with no `runId` or `task`, the processes of every run on it. */
  host?: string;
  /** The executor id of the folder (`EXECUTOR_ID`). */
  executorId: string;
  /** The run id (`EXECUTOR_RUN_ID`). */
  runId?: string;
  /** The task name (`EXECUTOR_TASK`): with no `runId`, the processes of any run of the task. */
  task?: string;
}

/** The `NAME=value` entries a marked process must have (never the executor id alone: that would be every task). */
export function entriesOf(marker: RunMarker): string[] {
  const entries = [`${MARKER_ID_VAR}=${marker.executorId}`];
  if (marker.runId !== undefined) entries.push(`${MARKER_RUN_VAR}=${marker.runId}`);
  if (marker.task !== undefined) entries.push(`${MARKER_TASK_VAR}=${marker.task}`);
  if (marker.host !== undefined) entries.push(`${MARKER_HOST_VAR}=${marker.host}`);
  return entries;
}

/**
 * True when process `pid` was started with `marker` in its environment (`/proc/<pid>/environ`, as it was at exec).
 * False when it has no marker, another one, or cannot be read (gone, a kernel thread, another user's process).
 * The one way out: a process that clears its environment (`env -i`, `execve` with a fresh env) carries no marker.
 */
export function hasMarker(pid: number, marker: RunMarker): boolean {
  let environ: Buffer;
  try {
    environ = readFileSync(`${PROC_ROOT}/${pid}/environ`);
  } catch {
    return false;
  }
  const entries = entriesOf(marker);
  return entries.length > 1 && entries.every((entry) => hasEntry(environ, entry));
}

// True when the NUL-separated `environ` holds exactly the entry `entry`.
function hasEntry(environ: Buffer, entry: string): boolean {
  const needle = Buffer.from(entry);
  for (let at = environ.indexOf(needle); at >= 0; at = environ.indexOf(needle, at + 1)) {
    const startsEntry = at === 0 || environ[at - 1] === 0;
    const end = at + needle.length;
    if (startsEntry && (end === environ.length || environ[end] === 0)) return true;
  }
  return false;
}

/**
 * The marker entries (`EXECUTOR_ID=…`, `EXECUTOR_RUN_ID=…`, `EXECUTOR_TASK=…`) in process `pid`'s environment, as a
 * set; empty when it has none or cannot be read. One read of `/proc/<pid>/environ`, for a cache to test markers against.
 */
export function markerEntriesOf(pid: number): ReadonlySet<string> {
  let environ: string;
  try {
    environ = readFileSync(`${PROC_ROOT}/${pid}/environ`, 'latin1');
  } catch {
    return new Set();
  }
  const prefixes = [`${MARKER_ID_VAR}=`, `${MARKER_RUN_VAR}=`, `${MARKER_TASK_VAR}=`, `${MARKER_HOST_VAR}=`];
  return new Set(environ.split('\0').filter((entry) => prefixes.some((p) => entry.startsWith(p))));
}
