// Cluster mode: following output across hosts. A follower polls pieces of a run's file (read-bytes.ts: read here for
// this host's runs, asked of the run's host for another's), yields whole lines without header and footer blocks,
// goes through a program run's steps, and for followOut from one run to the next (a restart, maybe on another
// host). A run that ended on a host now gone is finished from the tail kept in its row (run-tail.ts); a host that is
// down with the run unfinished, or that does not answer, is HostUnreachableError naming it.
import { OutputNotFoundError } from '../errors.js';
import { HostUnreachableError } from '../errors/cluster.js';
import { runBlockFilter } from '../output/header.js';
import { MAX_MISSES, pause } from '../program/follow.js';
import { getRun } from '../run/query.js';
import type { Runtime } from '../runtime.js';
import type { AbortSignalLike } from '../signal-types.js';
import type { RunRecord } from '../store/records.js';
import { clusterOf } from './pg-store.js';
import { readBytesOn, type ReadBytesReply, type ReadBytesRequest } from './read-bytes.js';
import { readRunTail } from './run-tail.js';

/** How often a follower across hosts asks for more while nothing new arrives, ms (unless its `pollMs` says). */
export const REMOTE_FOLLOW_POLL_MS = 250;

/** What a follower across hosts takes from followOut's and followRun's options. */
export interface AcrossOptions {
  pollMs?: number;
  signal?: AbortSignalLike;
  raw?: boolean;
  stream?: 'stdout' | 'stderr';
}

/** Where following a run begins: its step (0 for a script run) and the offset in that file. */
export interface RunPosition { runId: string; step: number; offset: number }

/** Where followOut begins: in a run, or waiting for the first run newer than `after` (null: any). */
export type TaskPosition = RunPosition | { runId: null; after: string | null };

const splitLines = (text: string): string[] => text.split('\n').map((line) => line.replace(/\r$/, ''));

// The run's record: its ledger, or (queued) what getRun finds; null when it is gone.
async function readRun(rt: Runtime, name: string, runId: string): Promise<RunRecord | null> {
  return (await rt.store.readRun(name, runId).catch(() => null)) ?? getRun(rt, runId).catch(() => null);
}

// `promise`, or null once `signal` aborts first.
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignalLike | undefined): Promise<T | null> {
  if (signal === undefined) return promise;
  if (signal.aborted) { promise.catch(() => undefined); return Promise.resolve(null); }
  return new Promise<T | null>((resolve, reject) => {
    const onAbort = (): void => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

// The lines a dead host's ended run kept in its row, from byte `offset` of its file on; null when none was kept.
async function tailFrom(rt: Runtime, name: string, runId: string, stream: 'stdout' | 'stderr', offset: number): Promise<string | null> {
  const run = await readRun(rt, name, runId);
  if (run === null || run.endedAt === null) return null;
  const tail = await readRunTail(rt, name, runId, stream);
  if (tail === null) return null;
  const bytes = Buffer.from(tail.text, 'utf8');
  const skip = tail.from === null ? 0 : Math.max(0, offset - tail.from);
  return bytes.subarray(Math.min(skip, bytes.length)).toString('utf8');
}

/**
 * The lines of one run from `start` until it has ended and all of it was read (a program run: step after step).
 * @example `for await (const line of followRunAcross(rt, 'bot', { runId, step: 0, offset: 0 }, {})) seen.push(line);`
 */
export async function* followRunAcross(rt: Runtime, name: string, start: RunPosition, o: AcrossOptions): AsyncGenerator<string> {
  const pollMs = o.pollMs ?? REMOTE_FOLLOW_POLL_MS;
  const stream = o.stream ?? 'stdout';
  const filter = (): ((line: string) => boolean) => (o.raw === true ? () => true : runBlockFilter());
  let keep = filter();
  let { step, offset } = start;
  let ino: number | null = null;
  let partial = '';
  let misses = 0;
  while (!o.signal?.aborted) {
    const run = await unlessAborted(readRun(rt, name, start.runId), o.signal);
    if (o.signal?.aborted) return;
    if (run === null && ++misses > MAX_MISSES) return; // gone: removed, or pruned
    if (run === null || run.status === 'queued') { await pause(pollMs, o.signal); continue; }
    misses = 0;
    const program = run.steps.length > 0;
    if (!program && stream === 'stderr' && run.errorFile === null) throw OutputNotFoundError.noSeparateStderr(name);
    const request: ReadBytesRequest = { name, runId: start.runId, stream, step: program ? step : null, offset, ino };
    let reply: ReadBytesReply | null;
    try {
      reply = await unlessAborted(readBytesOn(rt, run.host ?? rt.host ?? '', request), o.signal);
    } catch (error) {
      const rest = error instanceof HostUnreachableError && !program ? await tailFrom(rt, name, start.runId, stream, offset) : null;
      if (rest === null) throw error;
      const lines = splitLines(partial + rest);
      if (lines.at(-1) === '') lines.pop();
      for (const line of lines) if (keep(line) && !o.signal?.aborted) yield line;
      return;
    }
    if (reply === null) return;
    if (ino !== null && reply.ino !== null && reply.ino !== ino) { partial = ''; keep = filter(); } // another file: read from its start
    ino = reply.ino ?? ino;
    offset = reply.nextOffset;
    if (reply.text !== '') {
      const lines = splitLines(partial + reply.text);
      partial = lines.pop() ?? '';
      for (const line of lines) { if (o.signal?.aborted) return; if (keep(line)) yield line; }
    }
    if (!reply.done) { if (reply.text === '') await pause(pollMs, o.signal); continue; }
    if (partial !== '' && keep(partial) && !o.signal?.aborted) yield partial;
    partial = '';
    keep = filter();
    const next = program ? run.steps[step + 1] : undefined;
    if (next === undefined || (reply.ended && next.outputFile === null)) return;
    step += 1;
    offset = 0;
    ino = null;
  }
}

/**
 * Where followOut across hosts begins, taken when it is asked for: at the end of what the live run (its current
 * step) printed so far, or at its start with `fromStart`; with no live run, before the next run.
 */
export async function taskStartAcross(rt: Runtime, name: string, fromStart: boolean, stream: 'stdout' | 'stderr'): Promise<TaskPosition> {
  const record = await rt.store.readTask(name);
  const live = record?.state.run ?? null;
  if (record === null || live === null) return { runId: null, after: record?.state.lastRunId ?? null };
  const run = await readRun(rt, name, live.runId);
  const step = run !== null && run.steps.length > 0 && !fromStart ? run.step ?? 0 : 0;
  if (fromStart || run === null) return { runId: live.runId, step, offset: 0 };
  const request: ReadBytesRequest = { name, runId: live.runId, stream, step: run.steps.length > 0 ? step : null, offset: -1, ino: null };
  const end = await readBytesOn(rt, run.host ?? rt.host ?? '', request);
  return { runId: live.runId, step, offset: end.nextOffset };
}

/**
 * followOut across hosts: the lines of the task's runs, run after run (wherever each runs), from `start` on.
 * @example `for await (const line of followTaskAcross(rt, 'bot', taskStartAcross(rt, 'bot', false, 'stdout'), {})) seen.push(line);`
 */
export async function* followTaskAcross(rt: Runtime, name: string, start: Promise<TaskPosition>, o: AcrossOptions): AsyncGenerator<string> {
  let at = await start;
  while (!o.signal?.aborted) {
    if (at.runId === null) {
      const after = at.after;
      const ids = (await rt.store.listRunIds(name).catch(() => [] as string[])).sort();
      const next = ids.find((id) => after === null || id > after);
      if (next === undefined) { await pause(o.pollMs ?? REMOTE_FOLLOW_POLL_MS, o.signal); continue; }
      at = { runId: next, step: 0, offset: 0 };
    }
    yield* followRunAcross(rt, name, at, o);
    at = { runId: null, after: at.runId };
  }
}

/**
 * True when followOut of `name` follows across hosts: a cluster with another live host, or whose live run is on
 * another host (else it follows this host's files, as in a folder).
 */
export async function followsAcross(rt: Runtime, name: string): Promise<boolean> {
  if (clusterOf(rt.store) === null || rt.hosts === null) return false;
  await rt.hosts.refresh();
  if ((rt.hosts.liveRows() ?? []).some((row) => row.host !== rt.host)) return true;
  const live = (await rt.store.readTask(name).catch(() => null))?.state.run ?? null;
  return live?.host !== undefined && live.host !== rt.host;
}

/** True when run `run` is followed across hosts: on another host, or queued in a cluster where another host is alive. */
export async function runFollowsAcross(rt: Runtime, run: RunRecord): Promise<boolean> {
  if (clusterOf(rt.store) === null || rt.hosts === null) return false;
  if (run.host !== undefined) return run.host !== rt.host;
  if (run.status !== 'queued') return false;
  await rt.hosts.refresh();
  return (rt.hosts.liveRows() ?? []).some((row) => row.host !== rt.host);
}
