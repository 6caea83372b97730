// Deletes a task's oldest output archives (and their stderr companions) until they fit the limits.
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { FOLDER_LAYOUT, JSON_EXT } from '../store/layout.js';
import { compareArchives, parseArchiveFileName, parseErrorArchiveFileName, type ArchiveName } from './archive.js';

/** How much archive a task may keep. */
export interface PruneLimits {
  /** Most bytes all archives (`.txt` and `.err.txt`) may take together; null = no size limit. */
  maxBytes: number | null;
  /** Most archives kept, an archive and its `.err.txt` companion counting as one; null = no count limit. */
  keep: number | null;
}

/** One archive: the files sharing a stamp and sequence number (`X.txt` and/or `X.err.txt`). */
interface ArchiveUnit {
  name: ArchiveName;
  files: string[];
  bytes: number;
}

function checkLimit(value: unknown, option: string, integer: boolean): void {
  if (value === null) return;
  const ok = typeof value === 'number' && value >= 0 && (integer ? Number.isSafeInteger(value) : Number.isFinite(value));
  if (!ok) throw new InvalidOptionError(option, `${integer ? 'an integer' : 'a number'} >= 0, or null`, value);
}

// The task's archives in `folder`, oldest first, with their sizes (files gone meanwhile are left out).
async function listUnits(folder: string, task: string, isLive: (fileName: string) => boolean): Promise<ArchiveUnit[]> {
  const units = new Map<string, ArchiveUnit>();
  const found = (await readdir(folder)).flatMap((file) => {
    const name = parseArchiveFileName(task, file) ?? parseErrorArchiveFileName(task, file);
    return name && !isLive(file) ? [{ file, name }] : [];
  });
  const sizes = await Promise.all(found.map(({ file }) => stat(join(folder, file)).then((s) => s.size, () => null)));
  found.forEach(({ file, name }, i) => {
    const size = sizes[i];
    if (size === null || size === undefined) return;
    const key = `${name.stamp}-${name.seq}`;
    const unit = units.get(key) ?? { name, files: [], bytes: 0 };
    unit.files.push(file);
    unit.bytes += size;
    units.set(key, unit);
  });
  return [...units.values()].sort((a, b) => compareArchives(a.name, b.name));
}

/**
 * Deletes `task`'s oldest archives in `folder` (by stamp, then sequence number; an archive `X.txt` and its stderr
 * companion `X.err.txt` go together) until their total size is at most `maxBytes` and their count at most `keep`.
 * Files for which `isLive` returns true are left alone and not counted. A file already gone is not an error.
 *
 * @returns The names of the deleted files, oldest first.
 * @throws {InvalidOptionError} when a limit is not a number >= 0 (an integer for `keep`) or null.
 * @example
 * ```ts
 * await pruneArchives(folder, 'job', { maxBytes: 3 * 1024 * 1024, keep: 10 }); // ['job_20260102-030405.txt', …]
 * ```
 */
export async function pruneArchives(
  folder: string, task: string, limits: PruneLimits, isLive: (fileName: string) => boolean = () => false,
): Promise<string[]> {
  checkLimit(limits?.maxBytes, 'maxBytes', false);
  checkLimit(limits?.keep, 'keep', true);
  const units = await listUnits(folder, task, isLive);
  let total = units.reduce((sum, u) => sum + u.bytes, 0);
  let count = units.length;
  const deleted: string[] = [];
  const over = (): boolean => (limits.maxBytes !== null && total > limits.maxBytes) || (limits.keep !== null && count > limits.keep);
  for (const unit of units) {
    if (!over()) break;
    for (const file of unit.files) {
      await unlink(join(folder, file)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      deleted.push(file);
    }
    total -= unit.bytes;
    count -= 1;
  }
  return deleted;
}

/**
 * Output files of a task's live runs, read from its record (`tasks/<task>.json`): an extra run writes to an
 * archive-named file, which pruning must spare. Empty when the record cannot be read (no known live run).
 */
export async function liveOutputsOf(folder: string, task: string): Promise<Set<string>> {
  try {
    const record = JSON.parse(await readFile(join(folder, FOLDER_LAYOUT.tasks, `${task}${JSON_EXT}`), 'utf8')) as {
      state?: { run?: { outputFile?: string; errorFile?: string | null } | null; extraRuns?: { outputFile?: string; errorFile?: string | null }[]; pinned?: string[] };
    };
    const runs = [record.state?.run, ...(record.state?.extraRuns ?? [])];
    const pinned = (record.state?.pinned ?? []).filter((f) => typeof f === 'string'); // saved runs' outputs
    return new Set([...runs.flatMap((r) => [r?.outputFile, r?.errorFile].filter((f): f is string => typeof f === 'string')), ...pinned]);
  } catch {
    return new Set();
  }
}
