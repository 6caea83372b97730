// The cluster's connection pool: `pg` loaded on first use (it costs ~90 ms to load, so a folder-only Executor never
// pays it), at most POOL_SIZE connections (one of them LISTENing, once something listens), errors turned into
// ClusterError, and cross-process locks held as session advisory locks on a connection of their own. The statements a
// lock holder runs (`query`, from inside `fn`) go over the lock's own connection: if that session ends (the database
// restarted, the network broke), the lock is gone, and so is every later statement of the holder, which fails instead
// of writing without the lock while another process may hold it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { ExecutorError } from '../errors.js';
import { ClusterError } from '../errors/cluster.js';
import { appName, isConnectionTrouble, problemOf, Slots } from './db-parts.js';
import { Listener, type ListenClient, type Notified } from './listener.js';
import type { ClusterConfig } from './options.js';

/** Most connections one Executor opens (the "at most 5 per host"): the pool's and the LISTEN one. */
export const POOL_SIZE = 5;
/** Connections kept for LISTEN (listener.ts), out of POOL_SIZE: the pool opens at most the rest. */
export const LISTEN_CONNECTIONS = 1;
/**
 * Most task locks held at once: each holds a connection; with the relations lock's, one connection of the pool is
 * always left for reads and writes (a lock holder's queries), so lock holders never wait on each other for one.
 */
export const LOCK_CONNECTIONS = 2;
/** An idle connection is closed after this long, ms. */
export const IDLE_TIMEOUT_MS = 10_000;
/** How long opening a connection may take, ms. */
export const CONNECT_TIMEOUT_MS = 5_000;

// The parts of node-postgres this module uses, typed here so the package's declarations never name `pg` (a consumer
// compiling against them needs no @types/pg).
interface QueryResult { rows: unknown[] }
interface PoolClient {
  query(sql: string, params?: unknown[]): Promise<QueryResult>;
  release(error?: Error): void;
  on(event: 'error', listener: (error: Error) => void): void;
  removeListener(event: 'error', listener: (error: Error) => void): void;
}
interface Pool { query(sql: string, params?: unknown[]): Promise<QueryResult>; connect(): Promise<PoolClient>; end(): Promise<void>; on(event: 'error', listener: () => void): void }
type PoolConstructor = new (config: Record<string, unknown>) => Pool;
type ClientConstructor = new (config: Record<string, unknown>) => ListenClient;
interface PgModule { Pool: PoolConstructor; Client: ClientConstructor }

// A connection taken from the pool: its `error` event (the server went away while it was out of the pool, between
// two statements) is caught here, and the connection is then closed rather than given back.
interface Taken { client: PoolClient; broken: Error | undefined; release(error?: Error): void }

// The lock a caller holds (set for the duration of its `fn`): its statements run on the lock's connection, one after
// the other (`tail`: node-postgres deprecates a query sent while another is under way on the same client).
interface LockScope { client: PoolClient; active: boolean; tail: Promise<unknown> }

// Runs `sql` on the scope's connection once its earlier statements are done.
function inScope(scope: LockScope, sql: string, params: unknown[]): Promise<QueryResult> {
  const result = scope.tail.then(() => scope.client.query(sql, params));
  scope.tail = result.catch(() => undefined);
  return result;
}

/** Runs a statement; resolves with its rows. */
export type Query = <R = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => Promise<R[]>;

/** The cluster database of one Executor (see the file comment). */
export class Db {
  readonly config: ClusterConfig;
  #pool: Promise<Pool> | null = null;
  #pg: Promise<PgModule> | null = null;
  #listener: Listener | null = null;
  #ended = false;
  /** Statements sent to the database by this Db so far (queries, BEGIN/COMMIT, lock and unlock): a round-trip count. */
  roundTrips = 0;
  /** The same, summed over every Db of this process (benchmarks: round trips per run). */
  static totalRoundTrips = 0;
  readonly #scope = new AsyncLocalStorage<LockScope>();
  readonly #lockSlots = new Slots(LOCK_CONNECTIONS);
  // The relations lock is taken by one caller of this process at a time, on a connection of its own (never a lock slot:
  // a holder takes a task lock inside it).
  readonly #relations = new Slots(1);

  constructor(config: ClusterConfig) {
    this.config = config;
  }

  #troubleAt = -Infinity;

  // A connection of this Db broke, or the database refused one (down, starting, recovering).
  #trouble(): void {
    this.#troubleAt = performance.now();
  }

  /**
   * How long this Db has gone without trouble reaching the database (a broken connection, a refused one), ms; Infinity
   * when it never had any. A host that saw the database fail within the last `leaseTime` claims no other host dead:
   * the others could not heartbeat through it either.
   * @example `if (db.steadyMs < leaseTimeMs) return [];`
   */
  get steadyMs(): number {
    return performance.now() - this.#troubleAt;
  }

  #count(): void {
    this.roundTrips++;
    Db.totalRoundTrips++;
  }

  /** `"schema"."name"`: the schema is validated as a plain identifier, so it is safe to splice into SQL. */
  table(name: string): string {
    return `"${this.config.schema}"."${name}"`;
  }

  /** A ClusterError for `error` (an ExecutorError is passed on unchanged). */
  wrap(error: unknown): Error {
    if (!(error instanceof ExecutorError) && isConnectionTrouble(error)) this.#trouble();
    return error instanceof ExecutorError ? error : new ClusterError(this.config.display, problemOf(error), error);
  }

  // node-postgres, loaded once.
  #module(): Promise<PgModule> {
    this.#pg ??= import('pg').then((pg) => {
      const m = pg as unknown as { default?: PgModule } & Partial<PgModule>;
      return m.default ?? (m as PgModule);
    });
    return this.#pg;
  }

  async #open(): Promise<Pool> {
    const PoolClass = (await this.#module()).Pool;
    const pool = new PoolClass({
      connectionString: this.config.connectionString, max: POOL_SIZE - LISTEN_CONNECTIONS, idleTimeoutMillis: IDLE_TIMEOUT_MS,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: appName(this.config.host), allowExitOnIdle: true,
    });
    pool.on('error', () => this.#trouble()); // an idle connection that broke: the next query opens another
    return pool;
  }

  /** The pool, opened on first use. */
  pool(): Promise<Pool> {
    if (this.#ended) return Promise.reject(new ClusterError(this.config.display, 'a closed Executor'));
    this.#pool ??= this.#open();
    return this.#pool;
  }

  /** Runs one statement on any connection of the pool (inside a lock's `fn`: on the lock's connection, see the file comment). */
  query: Query = async (sql, params = []) => {
    this.#count();
    const scope = this.#scope.getStore();
    try {
      const result = scope?.active === true ? await inScope(scope, sql, params as unknown[]) : await (await this.pool()).query(sql, params as unknown[]);
      return result.rows as never[];
    } catch (error) {
      throw this.wrap(error);
    }
  };

  /** Runs `fn` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws) on a connection of its own. */
  async transaction<T>(fn: (query: Query) => Promise<T>): Promise<T> {
    const taken = await this.#connect();
    const { client } = taken;
    let broken: Error | undefined;
    try {
      const query: Query = async (sql, params = []) => { this.#count(); return (await client.query(sql, params as unknown[])).rows as never[]; };
      await query('BEGIN');
      try {
        const value = await fn(query);
        await query('COMMIT');
        return value;
      } catch (error) {
        await query('ROLLBACK').catch((e: Error) => { broken = e; });
        throw error;
      }
    } catch (error) {
      throw this.wrap(error);
    } finally {
      taken.release(broken);
    }
  }

  // A connection of the pool for the caller alone (see Taken).
  async #connect(): Promise<Taken> {
    let client: PoolClient;
    try {
      client = await (await this.pool()).connect();
    } catch (error) {
      throw this.wrap(error);
    }
    const taken: Taken = {
      client, broken: undefined,
      release: (error) => { client.removeListener('error', onError); client.release(error ?? taken.broken); },
    };
    const onError = (error: Error): void => { taken.broken = error; this.#trouble(); };
    client.on('error', onError);
    return taken;
  }

  // Holds the session advisory lock `key` on a connection of its own while `fn` runs (a process that dies loses the
  // session, and the lock with it).
  async #withAdvisory<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const taken = await this.#connect();
    const { client } = taken;
    let broken: Error | undefined;
    try {
      this.#count();
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]).catch((error: unknown) => { throw this.wrap(error); });
      const scope: LockScope = { client, active: true, tail: Promise.resolve() };
      try {
        return await this.#scope.run(scope, fn);
      } finally {
        scope.active = false; // work started inside `fn` that outlives it goes back to the pool
        await scope.tail; // its statements sent meanwhile are done
        this.#count();
        await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [key]).catch((error: Error) => { broken = error; });
      }
    } finally {
      taken.release(broken); // a connection whose unlock failed is closed, which lets the lock go
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

  /**
   * Calls `fn` with the payload of each notification on `channel` (a plain identifier), on the Db's LISTEN connection
   * (opened on the first call, re-established after a loss: `fn` is then called with null, for what was missed).
   * Resolves once listening (or once the first try failed: it is retried in the background) with the function that
   * stops listening.
   * @example `const unlisten = await db.listen(wakeChannel(db.config.schema), (topic) => wake(topic));`
   */
  async listen(channel: string, fn: Notified): Promise<() => Promise<void>> {
    if (this.#ended) throw new ClusterError(this.config.display, 'a closed Executor');
    this.#listener ??= new Listener(async () => new (await this.#module()).Client({
      connectionString: this.config.connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: appName(this.config.host), keepAlive: true,
    }), () => this.#trouble());
    return this.#listener.listen(channel, fn);
  }

  /** True while this Db's LISTEN connection is up. */
  get listening(): boolean {
    return this.#listener?.connected ?? false;
  }

  /** Closes the pool and the LISTEN connection (idempotent); later calls reject with ClusterError. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    const pool = this.#pool;
    this.#pool = null;
    const listener = this.#listener;
    this.#listener = null;
    await Promise.all([pool ? (async () => (await pool).end())().catch(() => undefined) : undefined, listener?.close()]);
  }
}
