// The uncontended case of a lock directory, taken without proper-lockfile: one mkdir on the thread pool (proper-lockfile
// follows it there with a stat, and keeps a timer per lock), the lock then kept fresh by one timer for every lock held
// this way. The mkdir stays off the event loop: creating a directory can cost a millisecond of kernel CPU on a file
// system after much churn, and the loop is what a batch of starts waits on. The directory is the same as proper-lockfile's, so other processes (and this one's
// proper-lockfile locks) see it as held, judge it stale by its mtime, and take it over after a crash, as before.
import { statSync, utimesSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';

/** Called when a held lock was compromised (another process took it over, e.g. after a stall past its stale time). */
export type FastLockCompromised = (file: string, error: Error) => void;

// The lock directory as this process last left it: another holder's directory (made after a takeover) differs in
// inode or mtime, as proper-lockfile tells its own locks from a takeover.
interface Stamp {
  ino: number;
  mtimeMs: number;
}

interface Held extends Stamp {
  onCompromised: FastLockCompromised;
}

// The stamp of the directory at `path` now, or null if there is none.
function stampOf(path: string): Stamp | null {
  try {
    const { ino, mtimeMs } = statSync(path);
    return { ino, mtimeMs };
  } catch {
    return null;
  }
}

const sameStamp = (a: Stamp | null, b: Stamp): boolean => a !== null && a.ino === b.ino && a.mtimeMs === b.mtimeMs;

/** Lock directories taken by {@link FastLocks.take}, refreshed every `updateMs` by one timer. */
export class FastLocks {
  readonly #updateMs: number;
  readonly #held = new Map<string, Held>();
  #timer: NodeJS.Timeout | null = null;

  /** @param updateMs how often a held lock's mtime is refreshed (as proper-lockfile's `update`). */
  constructor(updateMs: number) {
    this.#updateMs = updateMs;
  }

  /**
   * Takes the lock directory `lockPath` if it is free (one `mkdir`); resolves with its release, or null when it is not
   * taken this way (held by someone, or any error: the caller then takes the usual path, which also reports errors).
   * The release removes the directory only if it is still the one made here; it never rejects.
   */
  async take(lockPath: string, onCompromised: FastLockCompromised): Promise<(() => Promise<void>) | null> {
    try {
      await mkdir(lockPath);
    } catch {
      return null;
    }
    const stamp = stampOf(lockPath);
    if (stamp === null) return null; // gone at once (taken over?): let the usual path sort it out
    const held: Held = { ...stamp, onCompromised };
    this.#held.set(lockPath, held);
    this.#timer ??= setInterval(() => this.#refresh(), this.#updateMs).unref();
    return () => this.#release(lockPath, held);
  }

  async #release(lockPath: string, held: Held): Promise<void> {
    if (this.#held.get(lockPath) !== held) return; // compromised, or released already
    this.#held.delete(lockPath);
    this.#stopIfIdle();
    if (!sameStamp(stampOf(lockPath), held)) return; // another holder's directory now
    await rmdir(lockPath).catch(() => undefined); // gone already: nothing to do
  }

  // Bumps every held lock's mtime; a lock whose directory is gone or another one is reported compromised and dropped.
  #refresh(): void {
    const now = new Date();
    for (const [lockPath, held] of [...this.#held]) {
      let error: Error | null = null;
      if (sameStamp(stampOf(lockPath), held)) {
        try {
          utimesSync(lockPath, now, now);
          held.mtimeMs = stampOf(lockPath)?.mtimeMs ?? held.mtimeMs; // as the file system stores it (its precision)
        } catch {
          // a passing error: tried again next time (a stall past the stale time shows up as a replaced directory)
        }
      } else {
        error = Object.assign(new Error('Unable to update lock within the stale threshold: the lock directory was removed or replaced'), { code: 'ECOMPROMISED' });
      }
      if (error === null) continue;
      this.#held.delete(lockPath);
      held.onCompromised(lockPath, error);
    }
    this.#stopIfIdle();
  }

  #stopIfIdle(): void {
    if (this.#held.size > 0 || this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
  }
}
