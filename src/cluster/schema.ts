// The cluster's tables, created and migrated on first use under a transaction-scoped advisory lock (two hosts opening
// a new cluster at once migrate it once). A schema newer than this code knows is refused: SchemaVersionError.
import { SchemaVersionError } from '../errors/cluster.js';
import type { Db, Query } from './db.js';

// One entry per version: the statements that take the schema from the version before to it. Never edit a released
// entry: add one.
const MIGRATIONS: readonly ((t: (name: string) => string) => string[])[] = [
  // 1: the task table (a change sequence for incremental reads), the run ledger, the log, meta (the cluster's id).
  (t) => [
    `CREATE TABLE ${t('meta')} (key text PRIMARY KEY, value jsonb NOT NULL)`,
    `CREATE SEQUENCE ${t('task_seq')}`,
    `CREATE TABLE ${t('tasks')} (name text PRIMARY KEY, record jsonb NOT NULL, seq bigint NOT NULL)`,
    `CREATE TABLE ${t('runs')} (task text NOT NULL, run_id text NOT NULL, record jsonb NOT NULL, PRIMARY KEY (task, run_id))`,
    `CREATE TABLE ${t('log')} (seq bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), host text NOT NULL, line text NOT NULL)`,
  ],
  // 2: hosts (one row per host name; `token` is bumped at each registration: the fencing token of its supervisor).
  (t) => [
    `CREATE TABLE ${t('hosts')} (host text PRIMARY KEY, pid integer NOT NULL, started_at timestamptz NOT NULL,
      heartbeat_at timestamptz NOT NULL, stopped_at timestamptz, capacity integer, labels jsonb NOT NULL DEFAULT '{}'::jsonb,
      token bigint NOT NULL DEFAULT 1)`,
  ],
  // 3: when a host was found dead (set once per death, by the first live host that saw it: it raises host-down).
  (t) => [`ALTER TABLE ${t('hosts')} ADD COLUMN down_at timestamptz`],
  // 4: the last 64 KiB of each finished run's output (kept apart from the record, which listings read), and requests
  // one host answers for another (reading a live run's output).
  (t) => [
    `ALTER TABLE ${t('runs')} ADD COLUMN tail text, ADD COLUMN tail_whole boolean`,
    `CREATE TABLE ${t('requests')} (id bigserial PRIMARY KEY, host text NOT NULL, kind text NOT NULL, payload jsonb NOT NULL,
      reply jsonb, error text, created_at timestamptz NOT NULL DEFAULT now(), replied_at timestamptz)`,
    `CREATE INDEX ON ${t('requests')} (host) WHERE replied_at IS NULL`,
  ],
  // 5: pending events and chain firings (claimed with FOR UPDATE SKIP LOCKED; a chain's id is its upstream run, so it
  // is recorded once), one row per scheduled slot (each slot of a task runs once in the cluster), and program steps'
  // checkpoints (copied from the host's state file, so a run resumes on another host), and runs handed to the hosts.
  (t) => [
    `CREATE TABLE ${t('events')} (id text PRIMARY KEY, kind text NOT NULL, body jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE TABLE ${t('slots')} (task text NOT NULL, slot timestamptz NOT NULL, host text NOT NULL, run_id text,
      created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (task, slot))`,
    `CREATE TABLE ${t('checkpoints')} (task text NOT NULL, run_id text NOT NULL, step text NOT NULL, state text NOT NULL,
      at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (task, run_id, step))`,
    // Runs handed to the hosts (runTask from a process that does not supervise): claimed with FOR UPDATE SKIP LOCKED by
    // a host allowed to run the task (`hosts` / `labels` copied from it), which takes them into the task under its lock.
    `CREATE TABLE ${t('jobs')} (seq bigserial PRIMARY KEY, run_id text NOT NULL UNIQUE, task text NOT NULL, item jsonb NOT NULL,
      hosts text[], labels jsonb, host text, claimed_at timestamptz, created_at timestamptz NOT NULL DEFAULT now())`,
    `CREATE INDEX ON ${t('jobs')} (host, seq)`,
    `CREATE INDEX ON ${t('tasks')} (seq)`, // the table's newest change number, read by every pass of every host
    // Each host's own leaseTime: it is judged dead by its own lease, whatever the lease of the host that looks.
    `ALTER TABLE ${t('hosts')} ADD COLUMN lease_ms integer`,
    `CREATE INDEX ON ${t('runs')} (run_id)`, // a run found by its id alone (getRun, waitRun, cancelRun)
    // A task's secret values (one row per generation, as the folder's secrets store keeps them), encrypted by the hosts.
    `CREATE TABLE ${t('secrets')} (task text NOT NULL, gen text NOT NULL, body text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (task, gen))`,
  ],
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Creates the schema and its tables, or brings them up to {@link SCHEMA_VERSION}, in one transaction.
 * @throws SchemaVersionError when the schema is newer than this code; ClusterError when the database fails.
 * @example `await migrate(db) // on the first use of an Executor's cluster`
 */
export async function migrate(db: Db): Promise<void> {
  const { schema } = db.config;
  await db.transaction(async (query: Query) => {
    await query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${schema}/migrate`]);
    await query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await query(`CREATE TABLE IF NOT EXISTS ${db.table('version')} (version integer NOT NULL)`);
    const rows = await query<{ version: number }>(`SELECT version FROM ${db.table('version')}`);
    const found = rows[0]?.version ?? 0;
    if (found > SCHEMA_VERSION) throw new SchemaVersionError(schema, found, SCHEMA_VERSION);
    for (let v = found; v < SCHEMA_VERSION; v++) for (const sql of MIGRATIONS[v]!((name) => db.table(name))) await query(sql);
    if (rows.length === 0) await query(`INSERT INTO ${db.table('version')} (version) VALUES ($1)`, [SCHEMA_VERSION]);
    else if (found < SCHEMA_VERSION) await query(`UPDATE ${db.table('version')} SET version = $1`, [SCHEMA_VERSION]);
  });
}
