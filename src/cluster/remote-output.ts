// Cluster mode: reading a run's output when it is on another host. A finished script run's output is read from the
// tail kept in its run row (run-tail.ts: stdout, and stderr when separate), whatever became of its host; a live run's,
// and a program's step output, are asked of its host (requests.ts), which must be alive: else HostUnreachableError,
// naming it.
import { HostUnreachableError } from '../errors/cluster.js';
import { stripRunBlocks } from '../output/header.js';
import { parseArchiveFileName } from '../output/archive.js';
import { selectProgramRun } from '../program/read-out.js';
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import type { ReadOutOptions } from '../task/read-options.js';
import { clusterOf } from './pg-store.js';
import { ask } from './requests.js';
import { readRunTail } from './run-tail.js';

/** The request kind a host answers with the last lines of one of its runs. */
export const READ_OUT_REQUEST = 'readOut';

/** A `readOut` request: the task, the run, how many lines, which stream, raw or not, and a program's step. */
export interface ReadOutRequest { name: string; runId: string; n: number; stream: 'stdout' | 'stderr'; raw: boolean; step?: string }

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

// Throws HostUnreachableError unless `host` is alive, as this process last read (refreshed).
async function assertAlive(rt: Runtime, host: string, what: string): Promise<void> {
  await rt.hosts!.refresh();
  if (!rt.hosts!.alive(host)) throw new HostUnreachableError(host, `down (no heartbeat for ${rt.hosts!.leaseTimeMs} ms), and ${what} left no output in the cluster`);
}

// A program's step output on another host: asked of it (a step's files are kept only there); null when it is this host's.
async function remoteProgramOutput(rt: Runtime, record: TaskRecord, n: number, options: ReadOutOptions, checked: { stream: 'stdout' | 'stderr'; raw: boolean }): Promise<string[] | null> {
  if (typeof options.run === 'string' && parseArchiveFileName(record.task.name, options.run) !== null) return null;
  const ledger = await selectProgramRun(rt.store, record, options.run);
  const host = ledger.host;
  if (host === undefined || host === rt.host) return null;
  await assertAlive(rt, host, `program run ${ledger.runId} of ${record.task.name}`);
  const request: ReadOutRequest = { name: record.task.name, runId: ledger.runId, n, stream: checked.stream, raw: checked.raw, ...(options.step === undefined ? {} : { step: options.step }) };
  return await ask(clusterOf(rt.store)!.db, host, READ_OUT_REQUEST, request) as string[];
}

/**
 * The last `n` lines of the selected run's output when it ran on another host (see the file comment), or null when
 * it is this host's (or a folder's, an archive: read here as usual).
 * @example `const lines = (await remoteOutput(rt, record, 50, options, checked)) ?? (await readTaskOutput(…))`
 */
export async function remoteOutput(rt: Runtime, record: TaskRecord, n: number, options: ReadOutOptions, checked: { stream: 'stdout' | 'stderr'; raw: boolean }): Promise<string[] | null> {
  const cluster = clusterOf(rt.store);
  if (cluster === null || rt.hosts === null) return null;
  if (record.task.steps !== null) return remoteProgramOutput(rt, record, n, options, checked);
  if (options.step !== undefined || (checked.stream === 'stderr' && record.task.stderr !== 'separate')) return null; // refused as usual
  const selected = selectedRun(record, options.run);
  if (selected === null) return null;
  const name = record.task.name;
  const live = selected.live ? [record.state.run, ...record.state.extraRuns].find((r) => r?.runId === selected.runId) : null;
  const host = live ? live.host : (await rt.store.readRun(name, selected.runId))?.host;
  if (host === undefined || host === rt.host) return null;
  if (!selected.live) {
    const tail = await readRunTail(rt, name, selected.runId, checked.stream);
    if (tail !== null) {
      const lines = tail.text.split('\n');
      if (lines.at(-1) === '') lines.pop();
      const kept = checked.raw ? lines : stripRunBlocks(lines, tail.whole);
      return n === 0 ? [] : kept.slice(-n);
    }
  }
  await assertAlive(rt, host, `run ${selected.runId} of ${name}`);
  const request: ReadOutRequest = { name, runId: selected.runId, n, stream: checked.stream, raw: checked.raw };
  return await ask(cluster.db, host, READ_OUT_REQUEST, request) as string[];
}
