// Cluster mode: a piece of one run's output file, read on the host that has it. Another host asks for it with a
// `readBytes` request (requests.ts; answered in answers.ts), the run's own host reads it here directly. Followers
// across hosts (remote-follow.ts) poll it: stateless, so a follower can go on with any answer.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { OutputNotFoundError, RunNotFoundError } from '../errors.js';
import { HostUnreachableError } from '../errors/cluster.js';
import { HEADER_ALIGN_BYTES, headerRunId } from '../output/header.js';
import { getRun } from '../run/query.js';
import type { Runtime } from '../runtime.js';
import type { RunRecord } from '../store/records.js';
import { clusterOf } from './pg-store.js';
import { ask } from './requests.js';

/** The request kind a host answers with a piece of one of its runs' output files. */
export const READ_BYTES_REQUEST = 'readBytes';

/** At most this many bytes of output in one answer. */
export const READ_BYTES_MAX = 256 * 1024;

/** A `readBytes` request: which run, which file (stream, and a program's step index), from where. */
export interface ReadBytesRequest {
  name: string;
  runId: string;
  stream: 'stdout' | 'stderr';
  /** A program run's step index; null for a script run. */
  step: number | null;
  /** Byte offset to read from; -1: only say where the file ends (`size`). */
  offset: number;
  /** The file's identity at the last answer (null at first): another one at the path (a rotation) is read from 0. */
  ino: number | null;
}

/** The answer: whole lines from `offset` (all the rest once the file is complete), and where to go on. */
export interface ReadBytesReply {
  /** UTF-8 text, cut after a newline (or at the end of the file once it is complete). */
  text: string;
  /** The offset to ask from next. */
  nextOffset: number;
  /** The file's size when read. */
  size: number;
  /** The file's identity (null: missing). */
  ino: number | null;
  /** The run had ended before the file was read. */
  ended: boolean;
  /** The file is complete (the run has ended, or a program run is past this step) and this answer reads it to its end. */
  done: boolean;
}

// The file a request names, per the run's record; null when it has none (yet).
function fileOf(run: RunRecord, request: ReadBytesRequest): string | null {
  if (request.step === null) {
    if (request.stream === 'stdout') return run.outputFile;
    if (run.errorFile === null) throw OutputNotFoundError.noSeparateStderr(run.task);
    return run.errorFile;
  }
  const step = run.steps[request.step];
  if (request.stream === 'stdout') return step?.outputFile ?? null;
  if (step?.outputFile && !step.errorFile) throw OutputNotFoundError.noSeparateStderr(run.task);
  return step?.errorFile ?? null;
}

// Where to cut `bytes` so that it holds whole lines (or whole UTF-8 characters when one line fills it).
function cutAt(bytes: Buffer, full: boolean): number {
  const nl = bytes.lastIndexOf(0x0a);
  if (nl >= 0) return nl + 1;
  if (!full) return 0;
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1]! & 0xc0) === 0x80) end--; // continuation bytes of a cut character
  return end > 0 && bytes[end - 1]! >= 0xc0 ? end - 1 : bytes.length;
}

/**
 * Reads a piece of run `request.runId`'s output on this host (see {@link ReadBytesRequest}). Rejects with
 * `RunNotFoundError` for an unknown run, `OutputNotFoundError` for a stderr that is not separate.
 * @example `const piece = await readRunBytes(rt, { name: 'bot', runId, stream: 'stdout', step: null, offset: 0, ino: null })`
 */
export async function readRunBytes(rt: Runtime, request: ReadBytesRequest): Promise<ReadBytesReply> {
  const run = (await rt.store.readRun(request.name, request.runId)) ?? (await getRun(rt, request.runId).catch(() => null));
  if (run === null) throw new RunNotFoundError(request.runId);
  const ended = run.endedAt !== null; // read before the file: once ended, the file is complete
  const complete = ended || (request.step !== null && (run.step ?? 0) > request.step);
  const base = { ended, done: complete };
  const file = run.status === 'queued' ? null : fileOf(run, request);
  const handle = file === null ? null : await open(join(rt.folder, file), 'r').catch(() => null);
  if (handle === null) return { ...base, text: '', nextOffset: Math.max(0, request.offset), size: 0, ino: null };
  try {
    const { size, ino } = await handle.stat();
    if (request.step === null && size > 0) {
      // A header naming another run: the path was reused by a newer run before this run's record caught up.
      const start = Buffer.alloc(Math.min(size, HEADER_ALIGN_BYTES));
      await handle.read(start, 0, start.length, 0);
      const owner = headerRunId(start.toString('utf8'));
      if (owner !== null && owner !== request.runId) return { ...base, done: false, text: '', nextOffset: Math.max(0, request.offset), size: 0, ino: null };
    }
    if (request.offset < 0) return { ...base, done: false, text: '', nextOffset: size, size, ino };
    const offset = (request.ino !== null && request.ino !== ino) || request.offset > size ? 0 : request.offset;
    const length = Math.min(size - offset, READ_BYTES_MAX);
    const bytes = Buffer.alloc(length);
    const { bytesRead } = await handle.read(bytes, 0, length, offset);
    const read = bytes.subarray(0, bytesRead);
    const rest = complete && offset + bytesRead >= size;
    const cut = rest ? read.length : cutAt(read, read.length === READ_BYTES_MAX);
    return { ...base, done: rest, text: read.subarray(0, cut).toString('utf8'), nextOffset: offset + cut, size, ino };
  } finally {
    await handle.close();
  }
}

/**
 * A piece of a run's output, wherever its host is: read here when it is this host, else asked of `host` (which must
 * be alive: else, or with no answer in time, `HostUnreachableError` naming it).
 * @example `const piece = await readBytesOn(rt, run.host, request)`
 */
export async function readBytesOn(rt: Runtime, host: string, request: ReadBytesRequest): Promise<ReadBytesReply> {
  const cluster = clusterOf(rt.store);
  if (cluster === null || host === rt.host) return readRunBytes(rt, request);
  if (rt.hosts !== null) {
    await rt.hosts.refresh();
    if (!rt.hosts.alive(host)) throw new HostUnreachableError(host, `down (no heartbeat for ${rt.hosts.leaseTimeMs} ms) while run ${request.runId} of ${request.name} was followed`);
  }
  return await ask(cluster.db, host, READ_BYTES_REQUEST, request) as ReadBytesReply;
}
