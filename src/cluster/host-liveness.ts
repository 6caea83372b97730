// Which hosts of the cluster are alive, as far as this process last read: a run recorded on another host is live
// while that host is (its process cannot be checked from here). Refreshed by each pass (at most every REFRESH_MS);
// until the first read, and for a host never seen, a host counts as alive, so nothing is closed on a guess.
import type { Db } from './db.js';
import { listHostRows, type HostRow } from './hosts.js';

/** Share of `leaseTime` without a heartbeat of its own after which a supervising host acts on nothing (its watchdog's). */
export const STALE_BEAT_SHARE = 0.75;
/** A refresh asked for within this long of the last one is served from the cache, ms. */
export const REFRESH_MS = 250;

/** The cluster's host liveness, cached (see the file comment). */
export class HostLiveness {
  readonly #db: Db;
  readonly #leaseTimeMs: number;
  #alive = new Map<string, boolean>();
  #rows: HostRow[] = [];
  #loaded = false;
  #at = -Infinity;
  #refreshing: Promise<void> | null = null;
  #beatAt = -Infinity;

  constructor(db: Db, leaseTimeMs: number) {
    this.#db = db;
    this.#leaseTimeMs = leaseTimeMs;
  }

  /** Reads every host's liveness (at most every REFRESH_MS; `force` reads now). A failure keeps the last view. */
  refresh(force = false): Promise<void> {
    if (!force && performance.now() - this.#at < REFRESH_MS) return Promise.resolve();
    this.#refreshing ??= listHostRows(this.#db, this.#leaseTimeMs).then((found) => {
      // The database failed this process within the lease (see Db.steadyMs): a host's silence may be the database's,
      // so none is taken for dead yet (its runs are not closed, it is not claimed).
      const rows = this.#db.steadyMs < this.#leaseTimeMs ? found.map((r) => ({ ...r, alive: r.alive || this.#wasAlive(r.host) })) : found;
      this.#alive = new Map(rows.map((r) => [r.host, r.alive]));
      this.#rows = rows;
      this.#loaded = true;
      this.#at = performance.now();
    }, () => undefined).finally(() => { this.#refreshing = null; });
    return this.#refreshing;
  }

  // True unless the host was read dead before (or retired: a stopped host stays dead), for a troubled refresh.
  #wasAlive(host: string): boolean {
    return this.#alive.get(host) ?? true;
  }

  /** A host is dead after this long without a heartbeat, ms. */
  get leaseTimeMs(): number {
    return this.#leaseTimeMs;
  }

  /** A heartbeat of this process's own host went through (presence.ts). */
  noteBeat(): void {
    this.#beatAt = performance.now();
  }

  /**
   * True when this process supervises its host but its last heartbeat is older than 3/4 of `leaseTime` (it was frozen,
   * or hung): its watchdog has stopped its runs and another host may have claimed it, so it acts on nothing until a
   * heartbeat goes through again. False before the first heartbeat's note.
   */
  beatStale(): boolean {
    return performance.now() - this.#beatAt > this.#leaseTimeMs * STALE_BEAT_SHARE && this.#beatAt !== -Infinity;
  }

  /** True unless `host` was last read dead. */
  alive(host: string): boolean {
    return this.#alive.get(host) ?? true;
  }

  /** The hosts last read alive (their rows, `tasks` empty); null before the first read. */
  liveRows(): HostRow[] | null {
    return this.#loaded ? this.#rows.filter((r) => r.alive) : null;
  }
}
