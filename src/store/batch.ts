// Coalesces many small appends into one serialised write per turn of the event loop.

/** Queues items and hands them to `write` in batches, one batch at a time. */
export class BatchWriter<T> {
  readonly #write: (items: T[]) => Promise<void>;
  #pending: T[] = [];
  #scheduled = false;
  #chain: Promise<void> = Promise.resolve();

  constructor(write: (items: T[]) => Promise<void>) {
    this.#write = write;
  }

  /** Queues `item`; resolves when the batch holding it is written (rejects if that write fails). */
  push(item: T): Promise<void> {
    this.#pending.push(item);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#chain = this.#chain.catch(() => undefined).then(() => {
        this.#scheduled = false;
        const items = this.#pending;
        this.#pending = [];
        return this.#write(items);
      });
    }
    return this.#chain;
  }

  /** Resolves once everything queued so far is written. */
  flush(): Promise<void> {
    return this.#chain.catch(() => undefined);
  }
}

interface Waiting<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Commits items in groups: the first item is written at once; items that arrive while a group is being written form
 * the next group, written as soon as that one is done. `write` is called synchronously, so its synchronous part (e.g.
 * writing temp files and queueing their fsyncs) starts at once; when a group is done, the next group is started
 * before the finished group's callers resume (so its I/O overlaps whatever they do next, e.g. spawning processes).
 */
export class GroupCommit<T> {
  readonly #write: (items: T[]) => Promise<void>;
  #pending: Waiting<T>[] = [];
  #busy = false;

  constructor(write: (items: T[]) => Promise<void>) {
    this.#write = write;
  }

  /** Queues `item`; resolves once the group holding it is written, rejects with that group's error. */
  commit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      this.#next();
    });
  }

  #next(): void {
    if (this.#busy || this.#pending.length === 0) return;
    const group = this.#pending;
    this.#pending = [];
    this.#busy = true;
    let written: Promise<void>;
    try {
      written = this.#write(group.map((w) => w.item));
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(() => {
      this.#busy = false;
      this.#next();
      for (const w of group) w.resolve();
    }, (error: unknown) => {
      this.#busy = false;
      this.#next();
      for (const w of group) w.reject(error);
    });
  }
}
