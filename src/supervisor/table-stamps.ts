// Has any record file changed since the supervisor's last full pass? Answered from stat calls alone, so a full pass
// over a table where nothing changed re-reads (and re-parses, and replaces in memory) no record: with `sleep: 1` and
// 100 tasks that re-reading was about 2 MB of garbage a second, which made V8 grow its young generation for good.
import { readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { FOLDER_LAYOUT, JSON_EXT } from '../store/layout.js';

// What a file looked like: an atomic write gives the record a new inode, an edit in place new times (and often size).
interface Seen { readonly file: string; ino: number; size: number; mtimeMs: number; ctimeMs: number }

const unseen = (file: string): Seen => ({ file, ino: -1, size: -1, mtimeMs: -1, ctimeMs: -1 });

// Copies `info` into `seen`; true when it was already the same.
function refresh(seen: Seen, info: Stats): boolean {
  if (seen.ino === info.ino && seen.size === info.size && seen.mtimeMs === info.mtimeMs && seen.ctimeMs === info.ctimeMs) return true;
  seen.ino = info.ino;
  seen.size = info.size;
  seen.mtimeMs = info.mtimeMs;
  seen.ctimeMs = info.ctimeMs;
  return false;
}

/**
 * The stamps (inode, size, modification and change times) of the folder's `tasks/` and of every record file in it, as
 * seen at the last {@link TableStamps.changed} call. `tasks/` itself is listed again only when its own stamp moved (a
 * file was added, removed or renamed into it); each record file is stat'ed once per call. Nothing is read.
 *
 * @example
 * ```ts
 * const stamps = new TableStamps(folder);
 * const full = stamps.changed(); // true the first time; then only when a record file changed
 * ```
 */
export class TableStamps {
  readonly #tasksDir: Seen;
  // Record files, in an array walked by index (this runs once per pass, in code V8 never optimizes: no iterator
  // objects); null until the first complete look, and after a failed one.
  #files: Seen[] | null = null;

  /** Stamps of `<folder>/tasks/`. */
  constructor(folder: string) {
    this.#tasksDir = unseen(join(folder, FOLDER_LAYOUT.tasks));
  }

  /**
   * True when a record file was added, removed or changed since the previous call, and always on the first call, after
   * {@link TableStamps.forget} and when anything cannot be stat'ed. Records what it saw: a caller that gets true must
   * re-read every record after this call (and call `forget()` if it could not), so that a later false means that
   * what it read is still what is on disk.
   */
  changed(): boolean {
    try {
      return this.#look();
    } catch {
      this.forget(); // an unreadable tasks/: let the full pass read it and report what is wrong
      return true;
    }
  }

  /** Forgets every stamp: the next {@link TableStamps.changed} is true. */
  forget(): void {
    this.#files = null;
    this.#tasksDir.ino = -1;
  }

  #look(): boolean {
    const known = this.#files;
    this.#files = null; // until this look is complete
    let changed = known === null;
    let files = known ?? [];
    // The folder's stamp first, then its listing: an entry added after the stat moves the stamp again, for next time.
    if (!refresh(this.#tasksDir, statSync(this.#tasksDir.file)) || known === null) {
      const listed = this.#list(files);
      changed ||= listed.length !== files.length || listed.some((seen, i) => seen !== files[i]);
      files = listed;
    }
    let kept = 0;
    for (let i = 0; i < files.length; i++) {
      const seen = files[i]!;
      const info = statSync(seen.file, { throwIfNoEntry: false });
      if (info === undefined) {
        changed = true; // removed since the listing: left out
        continue;
      }
      if (!refresh(seen, info)) changed = true;
      files[kept++] = seen;
    }
    files.length = kept;
    this.#files = files;
    return changed;
  }

  // The record files in tasks/ (temp files and other entries left out), in listing order, reusing the entries of
  // `files` for names already known (a new name gets a stamp that matches nothing).
  #list(files: readonly Seen[]): Seen[] {
    const byFile = new Map<string, Seen>();
    for (let i = 0; i < files.length; i++) byFile.set(files[i]!.file, files[i]!);
    const listed: Seen[] = [];
    const names = readdirSync(this.#tasksDir.file);
    for (let i = 0; i < names.length; i++) {
      if (!names[i]!.endsWith(JSON_EXT)) continue;
      const file = join(this.#tasksDir.file, names[i]!);
      listed.push(byFile.get(file) ?? unseen(file));
    }
    return listed;
  }
}
