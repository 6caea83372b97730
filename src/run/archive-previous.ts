// Before a main run starts: the previous run's output is renamed to its archive name, and old archives are pruned.
import { existsSync, renameSync, statSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { archiveFileName, currentErrorFileName, currentOutputFileName, errorFileOf } from '../output/archive.js';
import { nextArchiveFileName } from '../output/rotate.js';
import type { Runtime } from '../runtime.js';
import type { ArchiveEntry, TaskRecord } from '../store/records.js';

/** Output files of the task's live extra runs and saved runs (never pruned). */
export function liveFiles(record: TaskRecord): Set<string> {
  const live = record.state.extraRuns.flatMap((r) => (r.errorFile === null ? [r.outputFile] : [r.outputFile, r.errorFile]));
  return new Set([...live, ...record.state.pinned]); // saved runs' outputs are never pruned either
}

// Deletes the oldest archives beyond keepArchives, sparing the files of live extra runs.
async function pruneByCount(rt: Runtime, archives: ArchiveEntry[], live: Set<string>): Promise<ArchiveEntry[]> {
  let excess = archives.filter((a) => !live.has(a.file)).length - rt.keepArchives;
  const kept: ArchiveEntry[] = [];
  for (const entry of archives) {
    if (excess > 0 && !live.has(entry.file)) {
      excess--;
      await unlink(join(rt.folder, entry.file)).catch(() => undefined);
      await unlink(join(rt.folder, errorFileOf(entry.file))).catch(() => undefined);
    } else {
      kept.push(entry);
    }
  }
  return kept;
}

/**
 * Renames `<name>.txt` (and `<name>.err.txt`) to its archive name (never copies) and prunes old archives; returns the
 * task's archive list after that. An empty `<name>.txt` with no `<name>.err.txt` is left in place (not archived). The
 * previous run's ledger record is pointed at the new names (that write is pushed to `ledgerFixes`). The renames are
 * synchronous: a start waits for them anyway, and two small system calls cost less than two thread-pool round trips.
 * Mutates `record.state.pinned` (a saved run's current output keeps its pin under its archive name).
 */
export async function archivePrevious(rt: Runtime, record: TaskRecord, ledgerFixes: Promise<void>[]): Promise<ArchiveEntry[]> {
  const { name } = record.task;
  const current = join(rt.folder, currentOutputFileName(name));
  const archives = [...record.state.archives];
  let startedMs: number;
  try {
    const info = statSync(current);
    // An empty output (and no stderr file) is not worth an archive: the next run appends to the same empty file.
    if (info.size === 0 && !existsSync(join(rt.folder, currentErrorFileName(name)))) return archives;
    startedMs = record.state.lastStartedAt ? Date.parse(record.state.lastStartedAt) : info.mtimeMs;
  } catch {
    return archives;
  }
  const taken = new Set(archives.map((a) => a.file));
  // With rotation, the last part of a run must sort after its rotated parts: name it after the newest archive.
  const file = record.task.maxOutputBytes !== null
    ? nextArchiveFileName(rt.folder, name, startedMs, 'out')
    : archiveFileName(name, startedMs, (f) => taken.has(f) || existsSync(join(rt.folder, f)));
  renameSync(current, join(rt.folder, file));
  try {
    renameSync(join(rt.folder, currentErrorFileName(name)), join(rt.folder, errorFileOf(file)));
  } catch {
    // no separate stderr file
  }
  archives.push({ file, runId: record.state.lastRunId, startedAt: new Date(startedMs).toISOString() });
  // A saved run's current output keeps its pin under its archive name.
  const renamed = new Map([[currentOutputFileName(name), file], [currentErrorFileName(name), errorFileOf(file)]]);
  record.state.pinned = record.state.pinned.map((f) => renamed.get(f) ?? f);
  if (record.state.lastRunId) ledgerFixes.push(rt.store.updateRun(name, record.state.lastRunId, { outputFile: file, ...(record.task.stderr === 'separate' ? { errorFile: errorFileOf(file) } : {}) }));
  return pruneByCount(rt, archives, liveFiles(record));
}
