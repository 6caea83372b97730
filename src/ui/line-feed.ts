// Shared followers of the executor log and of task outputs: one follower per source however many pages watch it.

type LineListener = (line: string) => void;

interface Source { listeners: Set<LineListener>; abort: AbortController }

/**
 * Ref-counted line followers, keyed by source (`log`, `out:web`…). The first subscriber of a key starts `follow`
 * (handed an AbortSignal); the last one leaving aborts it. A follower that fails ends quietly for its listeners.
 * @example
 * ```ts
 * const feeds = new LineFeeds();
 * const off = feeds.subscribe('log', (signal) => ex.followLog({ signal }), (line) => send(line));
 * ```
 */
export class LineFeeds {
  readonly #sources = new Map<string, Source>();

  /** Adds `listener` to the source `key`, starting it with `follow` if nobody follows it yet; returns the remover. */
  subscribe(key: string, follow: (signal: AbortSignal) => AsyncIterable<string>, listener: LineListener): () => void {
    let source = this.#sources.get(key);
    if (!source) {
      const created: Source = { listeners: new Set(), abort: new AbortController() };
      this.#sources.set(key, created);
      void this.#pump(key, created, follow);
      source = created;
    }
    source.listeners.add(listener);
    const joined = source;
    return () => {
      joined.listeners.delete(listener);
      if (joined.listeners.size === 0 && this.#sources.get(key) === joined) {
        this.#sources.delete(key);
        joined.abort.abort();
      }
    };
  }

  /** Ends every follower. */
  close(): void {
    for (const source of this.#sources.values()) source.abort.abort();
    this.#sources.clear();
  }

  async #pump(key: string, source: Source, follow: (signal: AbortSignal) => AsyncIterable<string>): Promise<void> {
    try {
      for await (const line of follow(source.abort.signal)) for (const listener of [...source.listeners]) listener(line);
    } catch {
      // Aborted, or the source went away (a removed task): its listeners just get no more lines.
    } finally {
      if (this.#sources.get(key) === source) this.#sources.delete(key);
    }
  }
}
