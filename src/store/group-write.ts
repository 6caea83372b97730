// Group commits: several files written atomically together, each fsync'd once, all renamed once all are durable.
import { renameSync } from 'node:fs';
import { writeError } from '../fs-errors.js';
import { createForWrite, removeQuietly, syncTemp, tempPathFor } from './temp-file.js';

/** One file of a {@link writeGroupAtomic} group. */
export interface GroupFile {
  /** The file to replace. */
  file: string;
  /** Its new content. */
  data: string;
}

// Creates and writes each temp file in turn (creations in one folder take its lock one after the other anyway, and
// waiting for it in parallel only burns CPU), starting each one's fsync at once: the fsyncs run together.
async function writeTemps(files: GroupFile[]): Promise<PromiseSettledResult<string>[]> {
  const written: Promise<string>[] = [];
  for (const { file, data } of files) {
    const tmp = tempPathFor(file);
    let one: Promise<string>;
    try {
      one = syncTemp(await createForWrite(tmp), tmp, data);
    } catch (error) {
      one = Promise.reject(error as Error);
    }
    one.catch(() => undefined); // settled below; this only keeps a rejection from counting as unhandled meanwhile
    written.push(one);
  }
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
