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
