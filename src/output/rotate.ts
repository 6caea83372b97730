// The live output file of a writer process, capped in size: when full, it is moved to an archive (link, then unlink)
// and reopened.
import { closeSync, existsSync, fstatSync, linkSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import {
  archiveFileName, archiveStampEpoch, compareArchives, errorFileOf, parseArchiveFileName, parseErrorArchiveFileName,
  type ArchiveName,
} from './archive.js';
import { NEWLINE } from './stamp.js';

/** Archive names tried when rotating, should others keep taking them. */
export const MAX_NAME_ATTEMPTS = 100;

/** Which stream a file holds: stdout (or both, merged) -> `.txt` archives; a separate stderr -> `.err.txt` archives. */
export type OutputStream = 'out' | 'err';

/** Flags of the live file: read (its last byte, once) and append. */
export const LIVE_FILE_FLAGS = 'a+';

/** Options of a {@link RotatingFile}. */
export interface RotatingFileOptions {
  /** Path of the live file (normally `<folder>/<task>.txt` or `<task>.err.txt`). */
  file: string;
  /** Folder the archives are moved into (normally the live file's folder). */
  folder: string;
  /** Task name the archives are named after. */
  task: string;
  /** Which archive names to use. */
  stream: OutputStream;
  /** Size cap of the live file, see {@link cutPoint}; null = never rotate. */
  maxBytes: number | null;
  /**
   * Clock for archive names, epoch ms.
   * @default Date.now
   */
  now?: () => number;
}

/**
 * Where to cut `buf` when appending it to a file of `size` bytes would pass `maxBytes`: the number of leading bytes
 * of `buf` that still go to the current file before it is rotated (0 = rotate first), or null when all of `buf` fits.
 *
 * The rule: cut after the last `\n` that keeps the file within `maxBytes`. With none, rotate before `buf` if the
 * file is not empty and ends a line. Otherwise (an empty file, or a line that started in it and does not end within
 * the cap) the file grows past the cap up to the first `\n` of `buf`, or all of `buf` if it has none: a file exceeds
 * `maxBytes` by less than one chunk, and a line is only split across files when it is longer than that allows.
 *
 * @example
 * ```ts
 * cutPoint(Buffer.from('aa\nbb\n'), 0, 4, true); // 3: 'aa\n' stays, the file is rotated, 'bb\n' starts the next one
 * ```
 */
export function cutPoint(buf: Buffer, size: number, maxBytes: number, endsLine: boolean): number | null {
  if (size + buf.length <= maxBytes) return null;
  const room = maxBytes - size;
  if (room > 0) {
    const nl = buf.lastIndexOf(NEWLINE, room - 1);
    if (nl !== -1) return nl + 1;
  }
  if (size > 0 && endsLine) return 0;
  const nl = buf.indexOf(NEWLINE);
  return nl === -1 ? buf.length : nl + 1;
}

/** The newest archive of `task` for `stream` in `folder` (null if none, or the folder cannot be read). */
export function newestArchive(folder: string, task: string, stream: OutputStream): ArchiveName | null {
  let files: string[];
  try {
    files = readdirSync(folder);
  } catch {
    return null;
  }
  let newest: ArchiveName | null = null;
  for (const file of files) {
    const name = stream === 'out' ? parseArchiveFileName(task, file) : parseErrorArchiveFileName(task, file);
    if (name && (newest === null || compareArchives(name, newest) > 0)) newest = name;
  }
  return newest;
}

/**
 * An archive name for `stream` (`<task>_<stamp>[-<seq>].txt`, or `.err.txt`) stamped `atMs`, that sorts after
 * `newest` (by default the newest such archive in `folder`) and is free on disk: a name freed by pruning is not
 * reused, and a clock behind the newest stamp uses that stamp (with the next sequence number).
 *
 * @example
 * ```ts
 * nextArchiveFileName(folder, 'job', Date.now(), 'out'); // 'job_20261124-100000-3.txt' if '-2' is the newest
 * ```
 */
export function nextArchiveFileName(
  folder: string, task: string, atMs: number, stream: OutputStream, newest: ArchiveName | null = newestArchive(folder, task, stream),
): string {
  const newestMs = newest ? archiveStampEpoch(newest.stamp) : null;
  const at = newestMs !== null ? Math.max(atMs, newestMs) : atMs;
  const onDisk = (txt: string): string => (stream === 'out' ? txt : errorFileOf(txt));
  const taken = (txt: string): boolean => {
    const name = parseArchiveFileName(task, txt);
    return (name !== null && newest !== null && compareArchives(name, newest) <= 0) || existsSync(join(folder, onDisk(txt)));
  };
  return onDisk(archiveFileName(task, at, taken));
}

// Whether the byte before `size` in `fd` is a newline (false if it cannot be read).
function lastByteIsNewline(fd: number, size: number): boolean {
  const last = Buffer.alloc(1);
  try {
    return readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === NEWLINE;
  } catch {
    return false;
  }
}

/**
 * An append-only file that, with a size cap, is moved to a new archive name (link, then unlink: an existing file is
 * never replaced) and reopened whenever the next bytes would pass the cap (see {@link cutPoint}). Nothing is lost or
 * written twice at a cut. Archive names always sort after every existing archive of the task (names freed by pruning
 * are not reused, a clock step back is ignored). Never throws after construction: a failed write drops those bytes,
 * a failed rotation keeps the current file.
 */
export class RotatingFile {
  /** Archive names this file has rotated into. */
  readonly archived = new Set<string>();
  readonly #opts: RotatingFileOptions;
  #fd: number | null = null;
  #size = 0;
  #endsLine = true;
  // Newest archive name of this stream; undefined until the folder is first scanned.
  #newest: ArchiveName | null | undefined;

  /** Opens (creates) the live file for appending; if that fails, it is retried at each write. */
  constructor(opts: RotatingFileOptions) {
    this.#opts = opts;
    try {
      this.#open();
    } catch {
      // retried at the next write
    }
  }

  /** Bytes in the live file (as written through this object, plus what it held when opened). */
  get size(): number {
    return this.#size;
  }

  /** Appends `buf`, rotating as needed; returns how many rotations it took. */
  write(buf: Buffer): number {
    const { maxBytes } = this.#opts;
    let rotations = 0;
    let rest = buf;
    while (rest.length > 0) {
      const cut = maxBytes === null ? null : cutPoint(rest, this.#size, maxBytes, this.#endsLine);
      if (cut === null) {
        this.#append(rest);
        break;
      }
      this.#append(rest.subarray(0, cut));
      if (!this.#rotate()) {
        this.#append(rest.subarray(cut));
        break;
      }
      rotations += 1;
      rest = rest.subarray(cut);
    }
    return rotations;
  }

  /** Closes the live file (idempotent). */
  close(): void {
    if (this.#fd === null) return;
    try {
      closeSync(this.#fd);
    } catch {
      // nothing to do
    }
    this.#fd = null;
  }

  #open(): void {
    const fd = openSync(this.#opts.file, LIVE_FILE_FLAGS);
    this.#fd = fd;
    this.#size = fstatSync(fd).size;
    this.#endsLine = this.#size === 0 || lastByteIsNewline(fd, this.#size);
  }

  // Writes all of `piece` (a short write is continued); on an error the rest of it is dropped.
  #append(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.#fd === null) {
      try {
        this.#open();
      } catch {
        return;
      }
    }
    let done = 0;
    try {
      while (done < piece.length) done += writeSync(this.#fd as number, piece, done, piece.length - done);
    } catch {
      // e.g. ENOSPC: these bytes are lost, later ones are tried again
    }
    if (done > 0) {
      this.#size += done;
      this.#endsLine = piece[done - 1] === NEWLINE;
    }
  }

  // A name after every existing archive of this stream (the folder is scanned once, then the newest is remembered).
  #archiveName(): string {
    const { folder, task, stream, now = Date.now } = this.#opts;
    if (this.#newest === undefined) this.#newest = newestArchive(folder, task, stream);
    const name = nextArchiveFileName(folder, task, now(), stream, this.#newest);
    this.#newest = stream === 'out' ? parseArchiveFileName(task, name) : parseErrorArchiveFileName(task, name);
    return name;
  }

  // Moves the live file to a new archive name without ever replacing a file there (link, then unlink): another
  // writer, or an extra run's output, may have taken the name meanwhile; then the next free name is tried.
  #moveToArchive(): string {
    for (let attempt = 1; ; attempt++) {
      const name = this.#archiveName();
      try {
        linkSync(this.#opts.file, join(this.#opts.folder, name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < MAX_NAME_ATTEMPTS) continue;
        throw error;
      }
      unlinkSync(this.#opts.file);
      return name;
    }
  }

  // Moves the live file to a new archive and opens a fresh one; false (current file kept) if the move fails.
  #rotate(): boolean {
    try {
      this.archived.add(this.#moveToArchive());
    } catch (error) {
      // Gone already (removed by hand): start a fresh file all the same.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
    this.close();
    this.#size = 0;
    this.#endsLine = true;
    try {
      this.#open();
    } catch {
      // retried at the next write
    }
    return true;
  }
}
