// File-system failures as typed errors: a full disk, a read-only file system, a folder that cannot be used.
// Their messages name the file, in the form of every other error ("Expected to write <file>, got …").
import { ExecutorError, formatValue } from './errors.js';

/** A write failed because the disk (or the user's quota) is full: ENOSPC or EDQUOT. The message names the file. */
export class NoSpaceError extends ExecutorError {
  /** Absolute path of the file that could not be written. */
  readonly file: string;
  constructor(file: string, cause?: unknown) {
    super('ERR_NO_SPACE', `Expected to write ${file}, got no space left on its file system (${errnoOf(cause) ?? 'ENOSPC'}): free some space, then retry.`, { cause });
    this.file = file;
  }
}

/** A write failed because the file system is read-only: EROFS. The message names the file. */
export class ReadOnlyError extends ExecutorError {
  /** Absolute path of the file that could not be written. */
  readonly file: string;
  constructor(file: string, cause?: unknown) {
    super('ERR_READ_ONLY', `Expected to write ${file}, got a read-only file system (EROFS).`, { cause });
    this.file = file;
  }
}

/** The executor folder cannot be used: a file in its place, unwritable, a path too long, or a bad entry inside it. */
export class FolderError extends ExecutorError {
  /** The path that was looked at (the folder, or the entry inside it that is wrong). */
  readonly path: string;
  constructor(path: string, problem: string, cause?: unknown) {
    super('ERR_FOLDER', `Expected ${formatValue(path)} to be a usable executor folder, got ${problem}.`, { cause });
    this.path = path;
  }
}

/** The `code` of a Node system error (`ENOSPC`, `EISDIR`…), or null. */
export function errnoOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : null;
}

/**
 * Turns a failed write of `file` into a typed error: ENOSPC/EDQUOT into {@link NoSpaceError}, EROFS into
 * {@link ReadOnlyError}; anything else is returned as it is.
 *
 * @example
 * ```ts
 * try { await appendFile(file, line); } catch (e) { throw writeError(e, file); }
 * ```
 */
export function writeError(error: unknown, file: string): unknown {
  const code = errnoOf(error);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new NoSpaceError(file, error);
  if (code === 'EROFS') return new ReadOnlyError(file, error);
  return error;
}
