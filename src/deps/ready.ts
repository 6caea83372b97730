// Is a task ready for the tasks that depend on it? `running`, and its `ready` check holds: alive `afterMs`, a `line`
// seen in the output of its current run, a TCP `port` on 127.0.0.1 accepting, or a `file` existing in its `wd`.
import { open, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { HEADER_BEGIN, HEADER_END } from '../output/header.js';
import { runLive } from '../run/own.js';
import { isRemote } from '../run/remote.js';
import { remoteNotReady } from '../cluster/remote-ready.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, ReadySpec, TaskRecord } from '../store/records.js';
import { DEFAULT_READY_AFTER_MS } from '../task/options-deps.js';

/** How long one `port` check waits for the connection, ms. */
export const PORT_CHECK_TIMEOUT_MS = 500;
/** Most bytes of output one `line` check reads at a time. */
const LINE_READ_BYTES = 64 * 1024;
const MS_PER_S = 1000;

/** The `ready` check of a task (the default when it has none). */
export function readyOf(record: TaskRecord): ReadySpec {
  return record.task.ready ?? { kind: 'afterMs', ms: DEFAULT_READY_AFTER_MS };
}

/**
 * Why the task is not ready, or null when it is: `db is failed`, `db not ready (running 0.4 s of 1 s)`, `db not ready
 * (no TCP connection on port 5432 yet)`.
 * @example `await notReady(rt, record) // null once db accepts connections`
 */
export async function notReady(rt: Runtime, record: TaskRecord): Promise<string | null> {
  const { task, state } = record;
  const run = state.run;
  // A `once` task that succeeded (a migration) and a schedule that is on count as ready: they are not meant to stay up.
  if ((state.status === 'succeeded' && !task.infiniteLoop && run === null) || state.status === 'scheduled') return null;
  if (state.status !== 'running' || run === null || !runLive(rt, run)) return `${task.name} is ${state.status === 'running' ? 'not running' : state.status}`;
  const ready = readyOf(record);
  // Cluster mode: a run on another host is checked there (its output, its 127.0.0.1, its wd); `afterMs` is time only.
  if (ready.kind !== 'afterMs' && isRemote(rt, run)) return remoteNotReady(rt, record, run);
  const waitingFor = await pendingCheck(rt, record, run, ready);
  return waitingFor === null ? null : `${task.name} not ready (${waitingFor})`;
}

/** Ms until an `afterMs` check holds for the live run of `record` (0 when it does); null for the other checks. */
export function afterMsLeft(record: TaskRecord, now: number): number | null {
  const ready = readyOf(record);
  const run = record.state.run;
  if (ready.kind !== 'afterMs' || run === null) return null;
  return Math.max(0, Date.parse(run.startedAt) + ready.ms - now);
}

// What the check still waits for, or null when it holds.
async function pendingCheck(rt: Runtime, record: TaskRecord, run: CurrentRun, ready: ReadySpec): Promise<string | null> {
  switch (ready.kind) {
    case 'afterMs': {
      const alive = rt.now() - Date.parse(run.startedAt);
      return alive >= ready.ms ? null : `running ${seconds(Math.max(0, alive))} of ${seconds(ready.ms)}`;
    }
    case 'port': return (await portOpen(ready.port)) ? null : `no TCP connection on port ${ready.port} yet`;
    case 'file': {
      const file = isAbsolute(ready.path) ? ready.path : resolve(record.task.wd, ready.path);
      return (await stat(file).then(() => true, () => false)) ? null : `no file ${ready.path} yet`;
    }
    case 'line': return (await lineSeen(join(rt.folder, run.outputFile), run.runId, new RegExp(ready.source, ready.flags))) ? null : `no line matching /${ready.source}/${ready.flags} yet`;
  }
}

const seconds = (ms: number): string => `${Number((ms / MS_PER_S).toFixed(1))} s`;

/** True when a TCP connection to 127.0.0.1:`port` is accepted within {@link PORT_CHECK_TIMEOUT_MS}. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (ok: boolean): void => { clearTimeout(timer); socket.destroy(); done(ok); };
    const timer = setTimeout(() => finish(false), PORT_CHECK_TIMEOUT_MS);
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/** How far a run's output was read by `line` checks: by file and run, so a new run reads its own output from the start. */
interface LineScan { runId: string; offset: number; partial: string; inHeader: boolean; found: boolean }
const scans = new Map<string, LineScan>();
/** Most scans kept (one per dependency output being waited on; older ones are dropped). */
const MAX_SCANS = 256;

// Reads the output from where the last check stopped; true once a line (not of the run's header) matches.
async function lineSeen(file: string, runId: string, pattern: RegExp): Promise<boolean> {
  let scan = scans.get(file);
  if (scan === undefined || scan.runId !== runId) {
    scan = { runId, offset: 0, partial: '', inHeader: false, found: false };
    if (scans.size >= MAX_SCANS) scans.delete(scans.keys().next().value!);
    scans.set(file, scan);
  }
  if (scan.found) return true;
  const handle = await open(file, 'r').catch(() => null);
  if (handle === null) return false;
  try {
    const buffer = Buffer.alloc(LINE_READ_BYTES);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, LINE_READ_BYTES, scan.offset);
      if (bytesRead === 0) break;
      scan.offset += bytesRead;
      const lines = (scan.partial + buffer.toString('utf8', 0, bytesRead)).split('\n');
      scan.partial = lines.pop()!;
      if (lines.some((line) => matches(scan!, line, pattern))) return (scan.found = true);
    }
    return (scan.found = scan.partial !== '' && !scan.inHeader && pattern.test(scan.partial));
  } finally {
    await handle.close();
  }
}

// True when `line` matches and is not a line of the run's header block.
function matches(scan: LineScan, line: string, pattern: RegExp): boolean {
  if (line === HEADER_BEGIN) { scan.inHeader = true; return false; }
  if (scan.inHeader) { if (line === HEADER_END) scan.inHeader = false; return false; }
  return pattern.test(line);
}
