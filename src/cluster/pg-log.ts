// The executor log's shared copy in PostgreSQL: lines appended in batches (one INSERT for the lines of a turn), each
// with this host's name.
import type { Db } from './db.js';

/** Appends executor-log lines to the cluster's `log` table. */
export class PgLog {
  readonly #db: Db;
  #pending: string[] = [];
  #writing: Promise<void> = Promise.resolve();
  #queued: Promise<void> | null = null;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Queues `line`; resolves once it is written (rejects with ClusterError when the database fails). */
  append(line: string): Promise<void> {
    this.#pending.push(line);
    this.#queued ??= this.#writing.catch(() => undefined).then(() => this.#write());
    return this.#queued;
  }

  async #write(): Promise<void> {
    this.#queued = null;
    const lines = this.#pending;
    this.#pending = [];
    const done = this.#db.query(`INSERT INTO ${this.#db.table('log')} (host, line) SELECT $1, unnest($2::text[])`, [this.#db.config.host, lines]).then(() => undefined);
    this.#writing = done;
    await done;
  }

  /** Waits for the lines queued so far. */
  async flush(): Promise<void> {
    await (this.#queued ?? this.#writing).catch(() => undefined);
  }
}
