// keepRuns: the oldest ended, unsaved runs of a task beyond its limit are deleted with their files.
import { rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runDirOf } from '../program/files.js';
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';

/**
 * Deletes `record`'s runs older than its newest `keepRuns` (saved and unfinished runs are never deleted):
 * the ledger record, its exit status and, for a program run, its folder (input, checkpoints, step outputs).
 * A script run's output archives are left to `keepArchives`. Resolves with the deleted run ids; never rejects.
 */
export async function pruneRuns(rt: Runtime, record: TaskRecord): Promise<string[]> {
  const { name, keepRuns } = record.task;
  const ids = (await rt.store.listRunIds(name).catch(() => [] as string[])).reverse();
  if (ids.length <= keepRuns) return [];
  const live = [record.state.run?.runId, ...record.state.extraRuns.map((r) => r.runId)];
  const busy = new Set([...live, ...record.state.queue.map((q) => q.runId)]);
  const deleted: string[] = [];
  let kept = 0;
  for (const runId of ids) {
    if (busy.has(runId)) continue;
    if (kept < keepRuns) {
      // The newest runs are kept without reading them; a saved one among them simply leaves more room.
      kept++;
      continue;
    }
    const run = await rt.store.readRun(name, runId).catch(() => null);
    if (!run || run.saved !== null || run.endedAt === null) continue;
    await rt.store.deleteRun(name, runId).catch(() => undefined);
    await unlink(rt.store.statusFile(name, runId)).catch(() => undefined);
    await rm(join(rt.folder, runDirOf(name, runId)), { recursive: true, force: true }).catch(() => undefined);
    deleted.push(runId);
  }
  return deleted;
}
