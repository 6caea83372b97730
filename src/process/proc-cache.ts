// One /proc pass and one environment read per process, shared by every look of an Executor: a supervisor closing a
// hundred runs a second must not scan /proc a hundred times (the leftover check runs at every close).
import { entriesOf, markerEntriesOf, type RunMarker } from './marker.js';
import { readProcTableSliced, type ProcTable } from './proc-table.js';

const NO_ENTRIES: ReadonlySet<string> = new Set();

/** A cache of /proc snapshots and of the marker entries of each process (an environment never changes after exec). */
export class ProcCache {
  #table: ProcTable | null = null;
  #takenAt = 0;
  #reading: { startedAt: number; table: Promise<ProcTable> } | null = null;
  readonly #markers = new Map<string, ReadonlySet<string>>();

  /**
   * A snapshot of /proc read no earlier than `notBefore` (epoch ms): the cached one if it is recent enough, the one
   * being read if it started late enough, else a fresh pass. So every process alive at `notBefore` is in it.
   *
   * @example
   * ```ts
   * const table = await cache.tableSince(runEndedAtMs);
   * ```
   */
  tableSince(notBefore: number): Promise<ProcTable> {
    if (this.#table !== null && this.#takenAt >= notBefore) return Promise.resolve(this.#table);
    if (this.#reading !== null && this.#reading.startedAt >= notBefore) return this.#reading.table;
    const startedAt = Date.now();
    const table = readProcTableSliced().then((read) => {
      if (startedAt >= this.#takenAt) {
        this.#table = read;
        this.#takenAt = startedAt;
        this.#prune(read);
      }
      return read;
    });
    this.#reading = { startedAt, table };
    void table.finally(() => { if (this.#reading?.table === table) this.#reading = null; }).catch(() => undefined);
    return table;
  }

  /** True when process `pid` (started at `startTime` ticks) carries `marker`; its environment is read once. */
  hasMarker(pid: number, startTime: number, marker: RunMarker): boolean {
    const entries = this.markerEntries(pid, startTime);
    const wanted = entriesOf(marker);
    return wanted.length > 1 && wanted.every((entry) => entries.has(entry));
  }

  /**
   * The marker entries (`EXECUTOR_ID=…`, `EXECUTOR_RUN_ID=…`, `EXECUTOR_TASK=…`) of process `pid` (started at
   * `startTime` ticks): its environment is read the first time only.
   *
   * @example
   * ```ts
   * const entries = cache.markerEntries(stat.pid, stat.startTime); // e.g. Set { 'EXECUTOR_ID=…', 'EXECUTOR_RUN_ID=…' }
   * ```
   */
  markerEntries(pid: number, startTime: number): ReadonlySet<string> {
    const key = `${pid}:${startTime}`;
    let entries = this.#markers.get(key);
    if (entries === undefined) {
      entries = markerEntriesOf(pid);
      if (entries.size === 0) entries = NO_ENTRIES; // most processes: one shared empty set
      this.#markers.set(key, entries);
    }
    return entries;
  }

  /** True when the environment of process `pid` (started at `startTime` ticks) was already read. */
  knows(pid: number, startTime: number): boolean {
    return this.#markers.has(`${pid}:${startTime}`);
  }

  /** Forgets the environments of processes no longer in `table` (a snapshot read by the caller). */
  forgetGone(table: ProcTable): void {
    this.#prune(table);
  }

  // Forgets the environments of processes no longer in the table.
  #prune(table: ProcTable): void {
    for (const key of this.#markers.keys()) {
      const [pid, start] = key.split(':').map(Number);
      if (table.stats.get(pid!)?.startTime !== start) this.#markers.delete(key);
    }
  }
}
