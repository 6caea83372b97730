// Turns a failed write (or mkdir) inside the folder into a typed error naming the file: a full disk or a read-only
// file system first (writeError), then a wrong entry in the file's place or a permission problem (FolderError).
import { ExecutorError } from '../errors.js';
import { errnoOf, FolderError, writeError } from '../fs-errors.js';

// What a system error says about the entry written, as FolderError's "got …" part.
const PROBLEMS: Readonly<Record<string, string>> = {
  EISDIR: 'a folder where a file should be (EISDIR): remove or rename that folder',
  ENOTDIR: 'a file where a folder should be (ENOTDIR): remove or rename that file',
  EEXIST: 'a file where a folder should be (EEXIST): remove or rename that file',
  EACCES: 'no permission to write there (EACCES)',
  EPERM: 'an operation not permitted there (EPERM)',
  ENAMETOOLONG: 'a path too long for the file system (ENAMETOOLONG)',
  ELOOP: 'a loop of symbolic links (ELOOP)',
  EIO: 'an I/O error (EIO)',
};

/**
 * Maps a failed write of `file`: ENOSPC/EDQUOT to `NoSpaceError`, EROFS to `ReadOnlyError`, a wrong entry or a
 * permission problem (EISDIR, ENOTDIR, EEXIST, EACCES, EPERM, ENAMETOOLONG, ELOOP, EIO) to `FolderError`, all naming
 * `file`. An `ExecutorError`, ENOENT (the folder removed meanwhile) or anything else is returned as it is.
 *
 * @example
 * ```ts
 * try { await appendFile(file, text); } catch (e) { throw storeWriteError(e, file); }
 * ```
 */
export function storeWriteError(error: unknown, file: string): unknown {
  if (error instanceof ExecutorError) return error;
  const mapped = writeError(error, file);
  if (mapped !== error) return mapped;
  const code = errnoOf(error);
  const problem = code === null ? undefined : PROBLEMS[code];
  return problem === undefined ? error : new FolderError(file, problem, error);
}
