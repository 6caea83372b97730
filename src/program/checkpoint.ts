// Cluster mode: a program step's checkpoint (its EXECUTOR_STATE_FILE, on the host that runs it) copied into the
// cluster when the step exits and at most every CHECKPOINT_COPY_MS while it runs (only when the file changed), and
// written back into this host's folder when a run moves here. A folder: none of it (the file stays where it is).
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dropCheckpoints, readCheckpoints, saveCheckpoint } from '../cluster/checkpoints.js';
import { clusterOf } from '../cluster/pg-store.js';
import { isAlive } from '../process/identity.js';
import type { SpawnedRun } from '../process/spawn.js';
import type { Runtime } from '../runtime.js';
import { writeFileAtomic } from '../store/atomic.js';
import { writeError } from '../fs-errors.js';
import { runDirOf, stateFileOf } from './files.js';

/** How often a running step's checkpoint file is looked at (and copied if it changed), ms. */
export const CHECKPOINT_COPY_MS = 5_000;

// A running step's periodic copy, by absolute state file path (this process's).
interface Watch { timer: NodeJS.Timeout; inflight: Promise<void> | null; stopped: boolean; seen: string }
const watches = new Map<string, Watch>();

// What changes when the file is rewritten (in place or by a rename over it).
const signatureOf = (s: { ino: number; mtimeMs: number; size: number }): string => `${s.ino}:${s.mtimeMs}:${s.size}`;

// The file's text, null when there is none, 'binary' when it is not text a PostgreSQL `text` column keeps as is.
async function stateText(file: string): Promise<string | null | 'binary'> {
  let bytes: Buffer;
  try { bytes = await readFile(file); } catch { return null; }
  const text = bytes.toString('utf8');
  return text.includes('\u0000') || !Buffer.from(text, 'utf8').equals(bytes) ? 'binary' : text;
}

async function stopWatch(file: string): Promise<void> {
  const watch = watches.get(file);
  if (!watch) return;
  watches.delete(file);
  watch.stopped = true;
  clearInterval(watch.timer);
  await watch.inflight;
}

/**
 * Cluster mode: copies step `step`'s checkpoint file of run `runId` into the cluster now (the step exited), after
 * stopping its periodic copy. No file: nothing to copy. A database failure rejects (the step's exit is settled again
 * by a later pass); a file that is not UTF-8 text is not copied (a warning).
 * @example `await copyCheckpoint(rt, 'etl', runId, 'load')`
 */
export async function copyCheckpoint(rt: Runtime, task: string, runId: string, step: string): Promise<void> {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return;
  const file = join(rt.folder, stateFileOf(task, runId, step));
  await stopWatch(file);
  const text = await stateText(file);
  if (text === null) return;
  if (text === 'binary') {
    rt.warn(`Checkpoint ${file} of ${task} is not UTF-8 text: it is not copied into the cluster (a resume on another host starts step ${step} without it)`, task);
    return;
  }
  await saveCheckpoint(cluster.db, task, runId, step, text, rt.host ?? '');
}

/**
 * Cluster mode: while step `step` of run `runId` runs (until it exits), copies its checkpoint file into the
 * cluster every CHECKPOINT_COPY_MS when it changed. Failures are left to the next look (or to the copy at exit).
 * @example `watchCheckpoint(rt, 'etl', runId, 'load', spawned)`
 */
export function watchCheckpoint(rt: Runtime, task: string, runId: string, step: string, spawned: Pick<SpawnedRun, 'identity' | 'exited'>): void {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return;
  const file = join(rt.folder, stateFileOf(task, runId, step));
  const look = async (watch: Watch): Promise<void> => {
    const seen = signatureOf(await stat(file));
    if (seen === watch.seen) return;
    const text = await stateText(file);
    // A step gone (its exit is being settled, or this process was frozen and its runs stopped) is copied at its exit.
    if (watch.stopped || text === null || text === 'binary' || !isAlive(spawned.identity)) return;
    await saveCheckpoint(cluster.db, task, runId, step, text, rt.host ?? '');
    watch.seen = seen;
  };
  const watch: Watch = {
    timer: setInterval(() => {
      if (watch.stopped || watch.inflight !== null) return;
      watch.inflight = look(watch).catch(() => undefined).finally(() => { watch.inflight = null; });
    }, CHECKPOINT_COPY_MS),
    inflight: null, stopped: false, seen: '',
  };
  watch.timer.unref();
  void stopWatch(file); // an earlier attempt's, if it is still there
  watches.set(file, watch);
  void spawned.exited.finally(() => { if (watches.get(file) === watch) void stopWatch(file); });
}

/**
 * Cluster mode: writes the checkpoints kept for run `runId` into this host's folder (replacing any there): the run
 * goes on here. Resolves with the steps restored.
 * @example `await restoreCheckpoints(rt, 'etl', runId) // ['extract', 'load']`
 */
export async function restoreCheckpoints(rt: Runtime, task: string, runId: string): Promise<string[]> {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return [];
  const rows = await readCheckpoints(cluster.db, task, runId);
  const dir = join(rt.folder, runDirOf(task, runId));
  if (rows.length > 0) await mkdir(dir, { recursive: true }).catch((error: unknown) => { throw writeError(error, dir); });
  for (const { step, state } of rows) await writeFileAtomic(join(rt.folder, stateFileOf(task, runId, step)), state);
  return rows.map((r) => r.step);
}

/**
 * Cluster mode: forgets the checkpoints kept for run `runId` (it ended). Never rejects: rows left behind (the database
 * was down) are never read again, as a run id is not reused.
 * @example `await forgetCheckpoints(rt, 'etl', runId)`
 */
export async function forgetCheckpoints(rt: Runtime, task: string, runId: string): Promise<void> {
  const cluster = clusterOf(rt.store);
  if (cluster === null) return;
  await dropCheckpoints(cluster.db, task, runId).catch(() => undefined);
}
