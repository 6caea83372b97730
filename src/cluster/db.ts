// The cluster's connection pool: `pg` loaded on first use (it costs ~90 ms to load, so a folder-only Executor never
// pays it), at most POOL_SIZE connections, errors turned into ClusterError, and cross-process locks held as session
// advisory locks on a connection of their own.
import { ExecutorError } from '../errors.js';
import { ClusterError } from '../errors/cluster.js';
import type { ClusterConfig } from './options.js';

/** Most connections one Executor opens (the "at most 5 per host"). */
export const POOL_SIZE = 5;
/** Most task locks held at once: each holds a connection, and the rest of the pool stays free for reads and writes. */
export const LOCK_CONNECTIONS = 2;
/** An idle connection is closed after this long, ms. */
export const IDLE_TIMEOUT_MS = 10_000;
/** How long opening a connection may take, ms. */
export const CONNECT_TIMEOUT_MS = 5_000;

// The parts of node-postgres this module uses, typed here so the package's declarations never name `pg` (a consumer
// compiling against them needs no @types/pg).
interface QueryResult { rows: unknown[] }
interface PoolClient { query(sql: string, params?: unknown[]): Promise<QueryResult>; release(error?: Error): void }
interface Pool { query(sql: string, params?: unknown[]): Promise<QueryResult>; connect(): Promise<PoolClient>; end(): Promise<void>; on(event: 'error', listener: () => void): void }
type PoolConstructor = new (config: Record<string, unknown>) => Pool;

/** Runs a statement; resolves with its rows. */
export type Query = <R = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<R[]>;

// A counting semaphore: at most `free` holders at once, served in order.
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(count: number) { this.#free = count; }
  async take(): Promise<() => void> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    };
  }
}

/** What a pg (or network) error says, for a ClusterError's message. */
function problemOf(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const code = typeof e.code === 'string' ? ` (${e.code})` : '';
  return `${e.message ?? String(error)}${code}`;
}

/** The cluster database of one Executor (see the file comment). */
export class Db {
  readonly config: ClusterConfig;
  #pool: Promise<Pool> | null = null;
  #ended = false;
  readonly #lockSlots = new Slots(LOCK_CONNECTIONS);
  // The relations lock is taken by one caller of this process at a time, on a connection of its own (never a lock slot:
  // a holder takes a task lock inside it).
  readonly #relations = new Slots(1);

  constructor(config: ClusterConfig) {
    this.config = config;
  }

  /** `"schema"."name"`: the schema is validated as a plain identifier, so it is safe to splice into SQL. */
  table(name: string): string {
    return `"${this.config.schema}"."${name}"`;
  }

  /** A ClusterError for `error` (an ExecutorError is passed on unchanged). */
  wrap(error: unknown): Error {
    return error instanceof ExecutorError ? error : new ClusterError(this.config.display, problemOf(error), error);
  }

  async #open(): Promise<Pool> {
    const pg = await import('pg') as unknown as { default?: { Pool: PoolConstructor }; Pool?: PoolConstructor };
    const PoolClass = (pg.default?.Pool ?? pg.Pool)!;
    const pool = new PoolClass({
      connectionString: this.config.connectionString, max: POOL_SIZE, idleTimeoutMillis: IDLE_TIMEOUT_MS,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: `executor-sdk ${this.config.host}`, allowExitOnIdle: true,
    });
    pool.on('error', () => undefined); // an idle connection that broke: the next query opens another
    return pool;
  }

  /** The pool, opened on first use. */
  pool(): Promise<Pool> {
    if (this.#ended) return Promise.reject(new ClusterError(this.config.display, 'a closed Executor'));
    this.#pool ??= this.#open();
    return this.#pool;
  }

  /** Runs one statement on any connection of the pool. */
  query: Query = async (sql, params = []) => {
    try {
      const result = await (await this.pool()).query(sql, params as unknown[]);
      return result.rows as never[];
    } catch (error) {
      throw this.wrap(error);
    }
  };

  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws) on a connection of its own. */
  async transaction<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    let broken: Error | undefined;
    try {
      const query: Query = async (sql, params = []) => (await client.query(sql, params as unknown[])).rows as never[];
      await client.query('BEGIN');
      try {
        const value = await fn(query);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch((e: Error) => { broken = e; });
        throw error;
      }
    } catch (error) {
      throw this.wrap(error);
    } finally {
      client.release(broken);
    }
  }

  async #connect(): Promise<PoolClient> {
    try {
      return await (await this.pool()).connect();
    } catch (error) {
      throw this.wrap(error);
    }
  }

  // Holds the session advisory lock `key` on a connection of its own while `fn` runs (a process that dies loses the
  // session, and the lock with it).
  async #withAdvisory<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const client = await this.#connect();
    let broken: Error | undefined;
    try {
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]).catch((error: unknown) => { throw this.wrap(error); });
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch((error: Error) => { broken = error; });
      }
    } finally {
      client.release(broken); // a connection whose unlock failed is closed, which lets the lock go
    }
  }

  /** Runs `fn` holding the cluster-wide lock of task `name` (at most LOCK_CONNECTIONS held by this Executor at once). */
  async withTaskLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const give = await this.#lockSlots.take();
    try {
      return await this.#withAdvisory(`${this.config.schema}/task/${name}`, fn);
    } finally {
      give();
    }
  }

  /** Runs `fn` holding the cluster-wide relations lock (see `TaskStore.withRelationsLock`). */
  async withRelationsLock<T>(fn: () => Promise<T>): Promise<T> {
    const give = await this.#relations.take();
    try {
      return await this.#withAdvisory(`${this.config.schema}/relations`, fn);
    } finally {
      give();
    }
  }

  /** Closes the pool (idempotent); later calls reject with ClusterError. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    const pool = this.#pool;
    this.#pool = null;
    if (pool) await (await pool).end().catch(() => undefined);
  }
}
