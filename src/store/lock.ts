// Cross-process locks (proper-lockfile, stale-aware) plus an in-process queue per key,
// so calls from one process never spin on the lock directory against each other.
import { setTimeout as delay } from 'node:timers/promises';
import { FastLocks } from './fast-lock.js';
import { loadLockfile } from './load-lockfile.js';
import { LockError } from '../errors.js';
import { errnoOf, writeError } from '../fs-errors.js';

/** A lock untouched for this long is stale: its holder died. */
export const LOCK_STALE_MS = 5_000;
/** How often a held lock refreshes its mtime. */
export const LOCK_UPDATE_MS = 1_000;
// Retry schedule that outlasts LOCK_STALE_MS, so a dead holder's lock is always taken over.
const LOCK_RETRIES = { retries: 400, factor: 1.3, minTimeout: 2, maxTimeout: 40, randomize: true };

// Errors no retry can cure: thrown at once (a full disk or a read-only file system as NoSpaceError / ReadOnlyError).
const PERMANENT_ERRORS = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'ENOTDIR', 'ENAMETOOLONG']);

// Delay before retry `attempt` (0-based), as the `retry` package computes it for LOCK_RETRIES.
function retryDelay(attempt: number): number {
  const { minTimeout, maxTimeout, factor, randomize } = LOCK_RETRIES;
  return Math.min(maxTimeout, Math.round((randomize ? 1 + Math.random() : 1) * minTimeout * factor ** attempt));
}

/** Called when a held lock was compromised (e.g. the event loop stalled past the stale time). */
export type CompromisedHandler = (file: string, error: Error) => void;

/** Serialises work per key within this process and across processes via lock directories. */
export class LockSet {
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #onCompromised: CompromisedHandler;
  readonly #fast = new FastLocks(LOCK_UPDATE_MS);

  constructor(onCompromised: CompromisedHandler) {
    this.#onCompromised = onCompromised;
  }

  /** Runs `fn` while holding the lock directory `lockPath` (created next to nothing: `realpath: false`). */
  async with<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(lockPath) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(() => this.#locked(lockPath, fn));
    const tail = run.catch(() => undefined);
    this.#queues.set(lockPath, tail);
    void tail.then(() => {
      if (this.#queues.get(lockPath) === tail) this.#queues.delete(lockPath);
    });
    return run;
  }

  async #locked<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.#acquire(lockPath);
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  }

  // Takes the lock directory: at once when it is free (see FastLocks), else by proper-lockfile, retrying while it is
  // held (or on a passing error) by LOCK_RETRIES' schedule.
  async #acquire(lockPath: string): Promise<() => Promise<void>> {
    const fast = await this.#fast.take(lockPath, (file, error) => this.#onCompromised(file, error));
    if (fast) return fast;
    const lockfile = await loadLockfile();
    for (let attempt = 0; ; attempt++) {
      try {
        return await lockfile.lock(lockPath, {
          realpath: false,
          lockfilePath: lockPath,
          stale: LOCK_STALE_MS,
          update: LOCK_UPDATE_MS,
          retries: 0,
          onCompromised: (error) => this.#onCompromised(lockPath, error),
        });
      } catch (error) {
        const code = errnoOf(error);
        if (code !== null && PERMANENT_ERRORS.has(code)) {
          const mapped = writeError(error, lockPath);
          throw mapped === error ? new LockError(lockPath, error) : mapped;
        }
        if (attempt >= LOCK_RETRIES.retries) throw new LockError(lockPath, error);
      }
      await delay(retryDelay(attempt));
    }
  }
}
