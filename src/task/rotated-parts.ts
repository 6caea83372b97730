// The files a run's output went through between the one a follower holds and the one now at its path, after
// `maxOutputBytes` rotations (each moves the live file to the next archive name and starts a fresh one).
import type { FileHandle } from 'node:fs/promises';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compareArchives, parseArchiveFileName, parseErrorArchiveFileName } from '../output/archive.js';

/**
 * Archive names, oldest first, after the archive that is now `held`'s file and before `current`'s (all of them
 * when `current` is not an archive); `exclude` (other runs' live files) are skipped. `[]` if `held` is not found.
 * @example `for (const name of await rotatedParts(folder, 'job', 'stdout', held, fresh, new Set())) …`
 */
export async function rotatedParts(
  folder: string, task: string, stream: 'stdout' | 'stderr', held: FileHandle, current: FileHandle, exclude: ReadonlySet<string>,
): Promise<string[]> {
  const parse = stream === 'stderr' ? parseErrorArchiveFileName : parseArchiveFileName;
  const archives = (await readdir(folder).catch(() => [] as string[]))
    .flatMap((name) => { const parsed = exclude.has(name) ? null : parse(task, name); return parsed ? [{ name, parsed }] : []; })
    .sort((a, b) => compareArchives(a.parsed, b.parsed));
  const inodes = await Promise.all(archives.map((a) => stat(join(folder, a.name)).then((s) => `${s.dev}:${s.ino}`, () => '')));
  const idOf = async (h: FileHandle): Promise<string> => { const s = await h.stat(); return `${s.dev}:${s.ino}`; };
  const [heldId, currentId] = await Promise.all([idOf(held), idOf(current)]);
  const from = inodes.indexOf(heldId);
  if (from < 0) return [];
  const to = inodes.indexOf(currentId);
  return archives.slice(from + 1, to > from ? to : undefined).map((a) => a.name);
}
