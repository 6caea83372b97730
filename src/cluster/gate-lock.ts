// Cluster mode, `maxConcurrent`: reservations are taken one process at a time in the whole cluster, under a session
// advisory lock (`<schema>/gate`) that a process holds from its first reservation until its last reserved launch is
// recorded in the table. Whoever holds it counts the live runs of the table read fresh, so two hosts never both see
// the last free slot. A wait for the lock is bounded (GATE_WAIT_MS): a reservation that does not get it says "no slot",
// and the run is queued as under a full gate (no deadlock with task locks); so does one that finds no free connection.
import type { Db } from './db.js';

/** Longest wait for the gate lock, ms; past it the reservation fails (the run waits in the queue). */
export const GATE_WAIT_MS = 1_000;

// The part of a pooled pg client used here.
interface Client { query(sql: string, params?: unknown[]): Promise<unknown>; release(error?: Error): void }
interface ConnectingPool { connect(): Promise<Client> }

const lockNotAvailable = (error: unknown): boolean => (error as { code?: string }).code === '55P03';

// One process's hold of the gate: shared by its concurrent reservations, let go once none is outstanding.
class GateHold {
  readonly #db: Db;
  #count = 0;
  #held: Promise<Client | null> | null = null;

  constructor(db: Db) {
    this.#db = db;
  }

  get #key(): string {
    return `${this.#db.config.schema}/gate`; // the schema is a validated plain identifier
  }

  async #lock(): Promise<Client | null> {
    let client: Client;
    try {
      client = await (await this.#db.pool() as unknown as ConnectingPool).connect();
    } catch {
      // No connection within the pool's connect timeout (every one held by locks and claims of this process, or the
      // database down): no slot now, the run is queued and tried again later, rather than waiting on the pool.
      return null;
    }
    // A session ended while held (a database restart) must not crash the process: the unlock then fails, and the
    // connection is closed on release.
    (client as unknown as { on(event: 'error', fn: () => void): void }).on('error', () => undefined);
    try {
      // One round trip: a bounded wait, then the session's usual (unbounded) lock_timeout back.
      await client.query(`SET lock_timeout = ${GATE_WAIT_MS}; SELECT pg_advisory_lock(hashtextextended('${this.#key}', 0)); SET lock_timeout = 0`);
      return client;
    } catch (error) {
      client.release(error as Error); // the connection is closed: its failed implicit transaction left no lock
      if (lockNotAvailable(error)) return null;
      throw this.#db.wrap(error);
    }
  }

  /** Takes a share of the hold; false (and nothing held) when the lock was not got within GATE_WAIT_MS. */
  async take(): Promise<boolean> {
    this.#count++;
    this.#held ??= this.#lock();
    let client: Client | null = null;
    try {
      client = await this.#held;
    } finally {
      if (client === null) this.give(1);
    }
    return client !== null;
  }

  /** Gives `n` shares back; the lock goes with the last one. */
  give(n: number): void {
    this.#count = Math.max(0, this.#count - n);
    const held = this.#held;
    if (this.#count > 0 || held === null) return;
    this.#held = null;
    void held.then(async (client) => {
      if (client === null) return;
      let broken: Error | undefined;
      await client.query(`SELECT pg_advisory_unlock(hashtextextended('${this.#key}', 0))`).catch((error: Error) => { broken = error; });
      client.release(broken); // a connection whose unlock failed is closed, which lets the lock go
    }, () => undefined);
  }
}

const holds = new WeakMap<Db, GateHold>();

function holdOf(db: Db): GateHold {
  let hold = holds.get(db);
  if (!hold) holds.set(db, hold = new GateHold(db));
  return hold;
}

/**
 * Takes a share of this process's hold of the cluster's gate lock (waiting at most {@link GATE_WAIT_MS} for another
 * process to let it go); resolves false when it was not got. Give it back with {@link giveGate}.
 * @example `if (!(await takeGate(db))) return false; try { … } finally { if (!reserved) giveGate(db); }`
 */
export function takeGate(db: Db): Promise<boolean> {
  return holdOf(db).take();
}

/**
 * Gives `n` shares back (once the launches they were for are recorded); the lock is let go with the last one.
 * @example `giveGate(db, ctx.reserved);`
 */
export function giveGate(db: Db, n = 1): void {
  if (n > 0) holdOf(db).give(n);
}
