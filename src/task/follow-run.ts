// followRun: one run's output from its first line, ending once the run has ended and all it printed was read.
import { checkTimerMs } from '../schedule/timer.js';
import type { FileHandle } from 'node:fs/promises';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidOptionError, OutputNotFoundError } from '../errors.js';
import { FOLLOW_POLL_MS, FOLLOW_READ_BYTES } from '../output/follow.js';
import { headerRunId, runBlockFilter } from '../output/header.js';
import { followProgram, LineSplitter, MAX_MISSES, pause } from '../program/follow.js';
import { assertRunId, findRun } from '../run/find.js';
import { getRun } from '../run/query.js';
import type { Runtime } from '../runtime.js';
import type { RunRecord } from '../store/records.js';
import { followRunAcross, runFollowsAcross } from '../cluster/remote-follow.js';
import { rotatedParts } from './rotated-parts.js';
import { settleFound } from './settle.js';
import type { AbortSignalLike } from '../signal-types.js';

/** Options of `followRun`. */
export interface FollowRunOptions {
  /** How often the run's record and file are re-read while nothing new arrives, ms. @defaultValue 100 */
  pollMs?: number;
  /** Ends the iteration early. */
  signal?: AbortSignalLike;
  /** Also yield the run's header and footer lines. @defaultValue false */
  raw?: boolean;
  /** `'stderr'` follows the separate stderr file (tasks with `stderr: 'separate'`). @defaultValue 'stdout' */
  stream?: 'stdout' | 'stderr';
}

/** Checks followRun's options; throws `InvalidOptionError`. */
export function checkFollowRunOptions(options: unknown): FollowRunOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!['pollMs', 'signal', 'raw', 'stream'].includes(key)) throw new InvalidOptionError('options', 'made of known options (pollMs, signal, raw, stream)', key);
  if (o.pollMs !== undefined) checkTimerMs(o.pollMs, 'pollMs');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw new InvalidOptionError('signal', 'an AbortSignal', o.signal);
  if (o.raw !== undefined && typeof o.raw !== 'boolean') throw new InvalidOptionError('raw', 'a boolean', o.raw);
  if (o.stream !== undefined && o.stream !== 'stdout' && o.stream !== 'stderr') throw new InvalidOptionError('stream', "'stdout' or 'stderr'", o.stream);
  return o as FollowRunOptions;
}

// Moves a run nobody watches along, as `waitRun` does.
async function settleRun(rt: Runtime, runId: string): Promise<void> {
  const found = await findRun(rt, runId);
  if (found) await settleFound(rt, found);
}

/**
 * The lines run `runId` prints (a script run's output file, or every step of a program run), from its first line,
 * until it has ended. Rejects the first `next()` with `RunNotFoundError` for an unknown id. In cluster mode a run on
 * another host is read from it (`HostUnreachableError` when it is down and the run left no tail in the cluster).
 * @example `for await (const line of followRunOutput(rt, runId, {})) seen.push(line);`
 */
export async function* followRunOutput(rt: Runtime, runId: unknown, options: unknown): AsyncGenerator<string> {
  assertRunId(runId);
  const o = checkFollowRunOptions(options);
  const first = await getRun(rt, runId);
  if (await runFollowsAcross(rt, first)) { // cluster mode: the run is (or may be) on another host
    yield* followRunAcross(rt, first.task, { runId, step: 0, offset: 0 }, { pollMs: o.pollMs, signal: o.signal, raw: o.raw, stream: o.stream });
    return;
  }
  // The ledger once the run has one (a queued run has none yet); each idle read first moves an unwatched run along.
  const read = async (idle = true): Promise<RunRecord | null> => {
    if (idle) await settleRun(rt, runId).catch(() => undefined);
    return (await rt.store.readRun(first.task, runId).catch(() => null)) ?? getRun(rt, runId).catch(() => null);
  };
  if (first.steps.length > 0) {
    const source = { task: () => rt.store.readTask(first.task), runIds: async () => [runId], run: () => read() };
    yield* followProgram(rt.folder, source, { pollMs: o.pollMs, signal: o.signal, raw: o.raw, stream: o.stream, only: runId });
    return;
  }
  // Other runs' live files, which look like archives: never taken for parts of this run's rotated output.
  const others = async (): Promise<Set<string>> => {
    const extra = (await rt.store.readTask(first.task).catch(() => null))?.state.extraRuns ?? [];
    return new Set(extra.filter((r) => r.runId !== runId).flatMap((r) => (r.errorFile === null ? [r.outputFile] : [r.outputFile, r.errorFile])));
  };
  yield* followScriptRun(rt.folder, read, o, others);
}

// A script run's file: opened once (an archive rename later keeps the handle valid) and read to its end after the exit.
async function* followScriptRun(
  folder: string, read: (idle?: boolean) => Promise<RunRecord | null>, o: FollowRunOptions, others: () => Promise<Set<string>>,
): AsyncGenerator<string> {
  const pollMs = o.pollMs ?? FOLLOW_POLL_MS;
  const keep = o.raw === true ? () => true : runBlockFilter();
  const lines = new LineSplitter();
  let handle: FileHandle | null = null;
  let offset = 0;
  // An abort closes the file at once, not at the next `next()`.
  const onAbort = (): void => { const h = handle; handle = null; void h?.close().catch(() => undefined); };
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    let run = await read(false);
    let misses = 0;
    while (run !== null && !o.signal?.aborted) { // null: pruned away
      const file = run.status === 'queued' ? '' : o.stream === 'stderr' ? run.errorFile : run.outputFile;
      if (file === null) throw OutputNotFoundError.noSeparateStderr(run.task);
      if (handle === null && file !== '') handle = await openAs(join(folder, file), read, file, o.stream, run.runId);
      const chunk = handle === null ? null : await readChunk(handle, offset).catch((error: unknown) => { if (o.signal?.aborted) return null; throw error; });
      if (handle !== null && chunk === null) return; // aborted mid-read
      if (chunk !== null && chunk.length > 0) {
        offset += chunk.length;
        for (const line of lines.push(chunk)) { if (o.signal?.aborted) return; if (keep(line)) yield line; }
        continue;
      }
      // At the end of the file held: a `maxOutputBytes` rotation may have put a fresh file at the path.
      const next = handle === null || file === '' ? null : await rotatedFile(handle, join(folder, file), read, file, o.stream, run.runId);
      if (next !== null && handle !== null) {
        // The held file is closed for writing now: read its rest, then every part rotated away since, then the new file.
        const parts = await rotatedParts(folder, run.task, o.stream ?? 'stdout', handle, next, await others());
        for await (const line of readRest(handle, offset, lines, o.signal)) if (keep(line)) yield line;
        for (const part of parts) {
          const h = await open(join(folder, part), 'r').catch(() => null);
          if (h !== null) try { for await (const line of readRest(h, 0, lines, o.signal)) if (keep(line)) yield line; } finally { await h.close(); }
        }
        await handle.close();
        handle = next;
        offset = 0;
        continue;
      }
      // `run` was read before this empty read: once it says ended, everything was written.
      if (run.endedAt !== null && (handle !== null || ++misses > MAX_MISSES)) break;
      await pause(pollMs, o.signal);
      run = await read();
    }
    const last = lines.end();
    if (last !== null && keep(last) && !o.signal?.aborted) yield last;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    await handle?.close();
  }
}

// Opens the run's file; null while it is missing or was renamed (the record then names it anew on the next read).
async function openAs(path: string, read: (idle?: boolean) => Promise<RunRecord | null>, file: string, stream: FollowRunOptions['stream'], runId: string): Promise<FileHandle | null> {
  const handle = await open(path, 'r').catch(() => null);
  if (handle === null) return null;
  const again = await read(false);
  const still = again === null ? null : stream === 'stderr' ? again.errorFile : again.outputFile;
  // A header naming another run: archived and reused by a newer run before the ledger caught up.
  const header = headerRunId((await readChunk(handle, 0)).toString('utf8'));
  if (still === file && (header === null || header === runId)) return handle;
  await handle.close(); // archived between the read and the open: the path may now hold a newer run's output
  return null;
}

// The file now at `path` when it is not the one held but is still this run's (a rotation), opened; else null.
async function rotatedFile(held: FileHandle, path: string, read: (idle?: boolean) => Promise<RunRecord | null>, file: string, stream: FollowRunOptions['stream'], runId: string): Promise<FileHandle | null> {
  const [mine, there] = await Promise.all([held.stat(), stat(path).catch(() => null)]);
  if (there === null || (there.ino === mine.ino && there.dev === mine.dev)) return null;
  return openAs(path, read, file, stream, runId);
}

// The lines of `handle` from `offset` to its end (a file no longer written).
async function* readRest(handle: FileHandle, offset: number, lines: LineSplitter, signal: AbortSignalLike | undefined): AsyncGenerator<string> {
  for (let at = offset; !signal?.aborted;) {
    const chunk = await readChunk(handle, at);
    if (chunk.length === 0) return;
    at += chunk.length;
    yield* lines.push(chunk);
  }
}

async function readChunk(handle: FileHandle, offset: number): Promise<Buffer> {
  const buffer = Buffer.alloc(FOLLOW_READ_BYTES);
  const { bytesRead } = await handle.read(buffer, 0, FOLLOW_READ_BYTES, offset);
  return buffer.subarray(0, bytesRead);
}
