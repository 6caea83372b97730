// One /proc pass and one environment read per process, shared by every look of an Executor: a supervisor closing a
// hundred runs a second must not scan /proc a hundred times (the leftover check runs at every close).
import { closeSync, openSync, readSync } from 'node:fs';
import { isAlive, PROC_ROOT, readBootId, type ProcessIdentity } from './identity.js';
import { entriesOf, markerEntriesOf, type RunMarker } from './marker.js';
import { readProcTableSliced, type ProcTable } from './proc-table.js';
import { statBytes } from './stat-bytes.js';

const NO_ENTRIES: ReadonlySet<string> = new Set();
/** Bytes of /proc/<pid>/stat read by {@link ProcCache.isAlive}: field 22 (the start time) ends well before. */
export const STAT_PROBE_BYTES = 1_024;

/** A cache of /proc snapshots and of the marker entries of each process (an environment never changes after exec). */
export class ProcCache {
  #table: ProcTable | null = null;
  #takenAt = 0;
  #reading: { startedAt: number; table: Promise<ProcTable> } | null = null;
  readonly #markers = new Map<string, ReadonlySet<string>>();
  #statBuffer: Buffer | null = null;
  #seen: ProcTable | null = null;

  /**
   * Runs `fn` with `table` (a pass over /proc the caller has just made) answering {@link isAlive} for the processes
   * it holds, so that a look at many runs right after a walk reads nothing again. Only "alive" is taken from it: a
   * process it does not hold (started since, or gone) is read as usual.
   *
   * @example
   * ```ts
   * const rows = await rt.procs.whileSeen(await readUsageTable(), () => listAfterPass(rt));
   * ```
   */
  async whileSeen<T>(table: ProcTable, fn: () => Promise<T>): Promise<T> {
    const outer = this.#seen;
    this.#seen = table;
    try {
      return await fn();
    } finally {
      if (this.#seen === table) this.#seen = outer;
    }
  }

  /**
   * True when process `id` still runs: same boot, not a zombie, same start time (what `isAlive` answers), read into a
   * buffer this cache keeps, with no string made of the stat line: a supervisor asks it for every run it did not
   * start, on every pass. A line it cannot parse is left to `isAlive`.
   *
   * @example
   * ```ts
   * if (!rt.procs.isAlive({ pid: run.pid, startTime: run.pidStartTime, bootId: run.bootId })) closeIt();
   * ```
   */
  isAlive(id: ProcessIdentity): boolean {
    if (id.bootId !== readBootId() || !Number.isSafeInteger(id.pid) || id.pid <= 0) return false;
    if (this.#seen?.stats.get(id.pid)?.startTime === id.startTime) return true; // alive in the walk just made
    let fd: number;
    try {
      fd = openSync(`${PROC_ROOT}/${id.pid}/stat`, 'r');
    } catch {
      return false; // ENOENT/ESRCH: gone (isAlive reads any failure as gone too)
    }
    const buffer = (this.#statBuffer ??= Buffer.allocUnsafeSlow(STAT_PROBE_BYTES));
    let length: number;
    try {
      length = readSync(fd, buffer, 0, buffer.length, 0);
    } catch {
      return false;
    } finally {
      closeSync(fd);
    }
    const stat = statBytes(buffer, length);
    if (stat === null) return isAlive(id);
    return !stat.dead && stat.startTime === id.startTime;
  }

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
