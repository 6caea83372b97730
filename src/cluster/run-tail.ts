// Cluster mode: the last TAIL_BYTES of a finished run's output, kept in its run row (column `tail`, apart from the
// record that listings read), so its output can be read from any host, even once its own host is gone.
// Two formats share the column: plain stdout text with `tail_whole` true/false (written by `cluster import`, and by
// earlier versions), and, marked by `tail_whole` NULL, a JSON text holding both streams with where each tail begins
// in its file ({@link StoredTails}): a follower that read part of the file goes on from where it stopped.
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Runtime } from '../runtime.js';
import { ERROR_FILE_EXTENSION, OUTPUT_FILE_EXTENSION } from '../output/archive.js';
import { clusterOf } from './pg-store.js';

/** How much of a finished run's output is kept in the cluster (per stream). */
export const TAIL_BYTES = 64 * 1024;

/** A kept tail: its text (from a line start), whether that is the whole file, and its byte offset in the file (null: not known). */
export interface RunTail { text: string; whole: boolean; from: number | null }

/** The JSON kept in `tail` when `tail_whole` is NULL: each stream's text and its offset in its file. */
interface StoredTails { out: { text: string; from: number }; err: { text: string; from: number } | null }

/** The last TAIL_BYTES of `file` from a line start, whether that is the whole file, and its offset; null when it cannot be read. */
export function fileTail(file: string): { text: string; whole: boolean; from: number } | null {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch { return null; }
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - from);
    readSync(fd, buffer, 0, buffer.length, from);
    if (from === 0) return { text: buffer.toString('utf8'), whole: true, from: 0 };
    const cut = buffer.indexOf(0x0a); // start at a whole line
    const start = cut < 0 ? buffer.length : cut + 1;
    return { text: buffer.subarray(start).toString('utf8'), whole: false, from: from + start };
  } finally {
    closeSync(fd);
  }
}

// The separate stderr file next to an output file (`x.txt` → `x.err.txt`), when there is one.
function errorFileNextTo(file: string): string | null {
  if (!file.endsWith(OUTPUT_FILE_EXTENSION) || file.endsWith(ERROR_FILE_EXTENSION)) return null;
  const errorFile = `${file.slice(0, -OUTPUT_FILE_EXTENSION.length)}${ERROR_FILE_EXTENSION}`;
  return existsSync(errorFile) ? errorFile : null;
}

/**
 * Keeps the tail of run `runId`'s output file `file` in the cluster, with the tail of its separate stderr file
 * (`errorFile`; by default the `.err.txt` next to `file`, when there is one): a no-op for a folder, and when the
 * output cannot be read. Never rejects: the run's record is what matters.
 * @example `await keepRunTail(rt, 'etl', runId, join(rt.folder, run.outputFile))`
 */
export async function keepRunTail(rt: Runtime, task: string, runId: string, file: string, errorFile: string | null = errorFileNextTo(file)): Promise<void> {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return;
  const out = fileTail(file);
  if (out === null) return;
  const err = errorFile === null ? null : fileTail(errorFile);
  const stored: StoredTails = { out: { text: out.text, from: out.from }, err: err && { text: err.text, from: err.from } };
  await cluster.db.query(`UPDATE ${cluster.db.table('runs')} SET tail = $3, tail_whole = NULL WHERE task = $1 AND run_id = $2`, [task, runId, JSON.stringify(stored)]).catch(() => undefined);
}

/** The stream's tail in a stored `tail` column (either format, see the file comment); null when none was kept. */
export function parseRunTail(tail: string | null | undefined, whole: boolean | null | undefined, stream: 'stdout' | 'stderr'): RunTail | null {
  if (tail === null || tail === undefined) return null;
  if (whole !== null && whole !== undefined) return stream === 'stdout' ? { text: tail, whole, from: whole ? 0 : null } : null;
  let stored: StoredTails;
  try { stored = JSON.parse(tail) as StoredTails; } catch { return null; }
  const kept = stream === 'stdout' ? stored.out : stored.err;
  return kept ? { text: kept.text, whole: kept.from === 0, from: kept.from } : null;
}

/** The kept tail of a run's `stream` (default stdout), or null (a folder, a run still live, or its output was never readable). */
export async function readRunTail(rt: Runtime, task: string, runId: string, stream: 'stdout' | 'stderr' = 'stdout'): Promise<RunTail | null> {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return null;
  const rows = await cluster.db.query<{ tail: string | null; tail_whole: boolean | null }>(`SELECT tail, tail_whole FROM ${cluster.db.table('runs')} WHERE task = $1 AND run_id = $2`, [task, runId]);
  return parseRunTail(rows[0]?.tail, rows[0]?.tail_whole, stream);
}
