// Group commits: several files written atomically together, each fsync'd once, all renamed once all are durable.
import { renameSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errnoOf, writeError } from '../fs-errors.js';
import { createForWrite, removeQuietly, syncTemp, tempPathFor } from './temp-file.js';

/** One file of a {@link writeGroupAtomic} group. */
export interface GroupFile {
  /** The file to replace. */
  file: string;
  /** Its new content. */
  data: string;
  /**
   * Folder to make the temp file in, on the same file system (the rename into `file` then moves it): creations in one
   * folder wait for each other (its lock), so a group spread over folders creates its files in parallel. If that
   * folder is missing, the temp file is made beside `file`.
   * @default the folder of `file`
   */
  tempDir?: string;
}

// Creates the temp file of `f` (in its tempDir, else beside it) and writes it; resolves once it is created, with its
// fsync under way (wrapped, so that awaiting the creation does not wait for the fsync).
async function createTemp(f: GroupFile): Promise<{ synced: Promise<string> }> {
  if (f.tempDir !== undefined) {
    const tmp = tempPathFor(join(f.tempDir, basename(f.file)));
    try {
      return { synced: syncTemp(await createForWrite(tmp), tmp, f.data) };
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
    }
  }
  const tmp = tempPathFor(f.file);
  return { synced: syncTemp(await createForWrite(tmp), tmp, f.data) };
}

// Creates and writes the temp files, one folder's after the other (creations in one folder take its lock in turn
// anyway; waiting for it in parallel only burns CPU) and the folders in parallel, each fsync started as soon as its
// file is written: the fsyncs run together. Resolves with each file's outcome, in order.
async function writeTemps(files: GroupFile[]): Promise<PromiseSettledResult<string>[]> {
  const written: Promise<string>[] = files.map(() => Promise.resolve(''));
  const lanes = new Map<string, number[]>();
  files.forEach((f, i) => {
    const dir = f.tempDir ?? dirname(f.file);
    lanes.set(dir, [...(lanes.get(dir) ?? []), i]);
  });
  await Promise.all([...lanes.values()].map(async (lane) => {
    for (const i of lane) {
      try {
        written[i] = (await createTemp(files[i]!)).synced;
      } catch (error) {
        written[i] = Promise.reject(error as Error);
      }
      written[i]!.catch(() => undefined); // settled below; this only keeps a rejection from counting as unhandled meanwhile
    }
  }));
  return Promise.allSettled(written);
}

// The first rejection of `results` with the file it was about, or null.
function firstFailure<T>(results: PromiseSettledResult<T>[], files: GroupFile[]): { reason: unknown; file: string } | null {
  const at = results.findIndex((r) => r.status === 'rejected');
  return at < 0 ? null : { reason: (results[at] as PromiseRejectedResult).reason, file: files[at]!.file };
}

/**
 * Writes several files atomically as one group commit: every temp file is created and written, and fsync'd (one fsync
 * per file, all at once on the thread pool); only once all of them are durable are they renamed into place. A failure
 * before the renames changes no file and leaves no temp file; it rejects with the error of a file that failed, mapped
 * by `mapError` (by default `writeError`, typed as `writeFileAtomic`'s). A rename failing (the folder removed
 * meanwhile) leaves the files renamed before it replaced. The renames are synchronous: call this for files whose
 * replaced entries are kept aside (or new files), whose renames free no inode.
 *
 * @example
 * ```ts
 * await writeGroupAtomic([{ file: 'tasks/a.json', data: a }, { file: 'tasks/b.json', data: b }]);
 * ```
 */
export async function writeGroupAtomic(files: GroupFile[], mapError: (error: unknown, file: string) => unknown = writeError): Promise<void> {
  const written = await writeTemps(files);
  const temps = written.map((r) => (r.status === 'fulfilled' ? r.value : ''));
  const unwritten = firstFailure(written, files);
  if (unwritten) {
    for (const tmp of temps) if (tmp !== '') removeQuietly(tmp);
    throw mapError(unwritten.reason, unwritten.file);
  }
  for (const [i, tmp] of temps.entries()) {
    try {
      renameSync(tmp, files[i]!.file);
    } catch (error) {
      for (const left of temps.slice(i)) removeQuietly(left);
      throw mapError(error, files[i]!.file);
    }
  }
}
