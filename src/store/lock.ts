// Cross-process locks (proper-lockfile, stale-aware) plus an in-process queue per key,
// so calls from one process never spin on the lock directory against each other.
import lockfile from 'proper-lockfile';
import { LockError } from '../errors.js';

/** A lock untouched for this long is stale: its holder died. */
export const LOCK_STALE_MS = 5_000;
/** How often a held lock refreshes its mtime. */
export const LOCK_UPDATE_MS = 1_000;
// Retry schedule that outlasts LOCK_STALE_MS, so a dead holder's lock is always taken over.
const LOCK_RETRIES = { retries: 400, factor: 1.3, minTimeout: 2, maxTimeout: 40, randomize: true };

/** Called when a held lock was compromised (e.g. the event loop stalled past the stale time). */
export type CompromisedHandler = (file: string, error: Error) => void;

/** Serialises work per key within this process and across processes via lock directories. */
export class LockSet {
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #onCompromised: CompromisedHandler;

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
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(lockPath, {
        realpath: false,
        lockfilePath: lockPath,
        stale: LOCK_STALE_MS,
        update: LOCK_UPDATE_MS,
        retries: LOCK_RETRIES,
        onCompromised: (error) => this.#onCompromised(lockPath, error),
      });
    } catch (error) {
      throw new LockError(lockPath, error);
    }
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  }
}
