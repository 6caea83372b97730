// Cluster mode: reading a run's output when it is on another host. A finished run's output is read from the tail
// kept in its run row (run-tail.ts), whatever became of its host; a live run's is asked of its host (requests.ts),
// which must be alive: else HostUnreachableError, naming it.
import { HostUnreachableError } from '../errors/cluster.js';
import { stripRunBlocks } from '../output/header.js';
import { parseArchiveFileName } from '../output/archive.js';
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import type { ReadOutOptions } from '../task/read-options.js';
import { clusterOf } from './pg-store.js';
import { ask } from './requests.js';
import { readRunTail } from './run-tail.js';

/** The request kind a host answers with the last lines of one of its runs. */
export const READ_OUT_REQUEST = 'readOut';

/** A `readOut` request: the task, the run, how many lines, which stream, raw or not. */
export interface ReadOutRequest { name: string; runId: string; n: number; stream: 'stdout' | 'stderr'; raw: boolean }

// The run a selector names, and whether it is live: the current run (or the last one), or a run id.
function selectedRun(record: TaskRecord, run: ReadOutOptions['run']): { runId: string; live: boolean } | null {
  const { state } = record;
  if (run === undefined || run === 0) {
    if (state.run !== null) return { runId: state.run.runId, live: true };
    return state.lastRunId === null ? null : { runId: state.lastRunId, live: false };
  }
  if (typeof run !== 'string' || parseArchiveFileName(record.task.name, run) !== null) return null; // archives: this host's
  const live = [state.run, ...state.extraRuns].some((r) => r?.runId === run);
  return { runId: run, live };
}

/**
 * The last `n` lines of the selected run's output when it ran on another host (see the file comment), or null when
 * it is this host's (or a folder's, an archive, a program: read here as usual).
 * @example `const lines = (await remoteOutput(rt, record, 50, options, checked)) ?? (await readTaskOutput(…))`
 */
export async function remoteOutput(rt: Runtime, record: TaskRecord, n: number, options: ReadOutOptions, checked: { stream: 'stdout' | 'stderr'; raw: boolean }): Promise<string[] | null> {
  const cluster = clusterOf(rt.store);
  if (cluster === null || rt.hosts === null || record.task.steps !== null) return null;
  const selected = selectedRun(record, options.run);
  if (selected === null) return null;
  const name = record.task.name;
  const live = selected.live ? [record.state.run, ...record.state.extraRuns].find((r) => r?.runId === selected.runId) : null;
  const host = live ? live.host : (await rt.store.readRun(name, selected.runId))?.host;
  if (host === undefined || host === rt.host) return null;
  if (!selected.live && checked.stream === 'stdout') {
    const tail = await readRunTail(rt, name, selected.runId);
    if (tail !== null) {
      const lines = tail.text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      const kept = checked.raw ? lines : stripRunBlocks(lines, tail.whole);
      return n === 0 ? [] : kept.slice(-n);
    }
  }
  await rt.hosts.refresh();
  if (!rt.hosts.alive(host)) throw new HostUnreachableError(host, `down (no heartbeat for ${rt.hosts.leaseTimeMs} ms), and run ${selected.runId} of ${name} left no output in the cluster`);
  const request: ReadOutRequest = { name, runId: selected.runId, n, stream: checked.stream, raw: checked.raw };
  return await ask(cluster.db, host, READ_OUT_REQUEST, request) as string[];
}
