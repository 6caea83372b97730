// Cluster mode: the last TAIL_BYTES of a finished run's output, kept in its run row (column `tail`, apart from the
// record that listings read), so its output can be read from any host, even once its own host is gone.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { Runtime } from '../runtime.js';
import { clusterOf } from './pg-store.js';

/** How much of a finished run's output is kept in the cluster. */
export const TAIL_BYTES = 64 * 1024;

/** The last TAIL_BYTES of `file` from a line start, and whether that is the whole file; null when it cannot be read. */
export function fileTail(file: string): { text: string; whole: boolean } | null {
  let fd: number;
  try { fd = openSync(file, 'r'); } catch { return null; }
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - from);
    readSync(fd, buffer, 0, buffer.length, from);
    if (from === 0) return { text: buffer.toString('utf8'), whole: true };
    const cut = buffer.indexOf(0x0a); // start at a whole line
    return { text: buffer.subarray(cut < 0 ? buffer.length : cut + 1).toString('utf8'), whole: false };
  } finally {
    closeSync(fd);
  }
}

/**
 * Keeps the tail of run `runId`'s output file `file` in the cluster (a no-op for a folder, and when the file cannot
 * be read). Never rejects: the run's record is what matters.
 * @example `await keepRunTail(rt, 'etl', runId, join(rt.folder, run.outputFile))`
 */
export async function keepRunTail(rt: Runtime, task: string, runId: string, file: string): Promise<void> {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return;
  const tail = fileTail(file);
  if (tail === null) return;
  await cluster.db.query(`UPDATE ${cluster.db.table('runs')} SET tail = $3, tail_whole = $4 WHERE task = $1 AND run_id = $2`, [task, runId, tail.text, tail.whole]).catch(() => undefined);
}

/** The kept tail of a run, or null (a folder, a run still live, or its output was never readable). */
export async function readRunTail(rt: Runtime, task: string, runId: string): Promise<{ text: string; whole: boolean } | null> {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return null;
  const rows = await cluster.db.query<{ tail: string | null; tail_whole: boolean | null }>(`SELECT tail, tail_whole FROM ${cluster.db.table('runs')} WHERE task = $1 AND run_id = $2`, [task, runId]);
  const row = rows[0];
  return row?.tail === null || row?.tail === undefined ? null : { text: row.tail, whole: row.tail_whole === true };
}
