// Hosts of a cluster in SQL: a supervisor registers its host (bumping the host's fencing token), heartbeats every
// second with that token, and retires it when it stops. A host is alive while its last heartbeat is younger than its
// own lease time (registered with it; the reader's for a row without one) and no host has claimed it dead, by the
// database's clock (hosts' clocks may differ). A database that restarted counts as a heartbeat of
// every host (its start time): no host could beat while it was down, so none is dead until it has been up for the
// lease time without a heartbeat from it.
import type { Db } from './db.js';
import type { HostLabels } from './options.js';

/** A host's last sign of life in SQL: its last heartbeat, or the database's start if that is later (see above). */
export const LAST_SIGN_SQL = 'GREATEST(heartbeat_at, pg_postmaster_start_time())';
/** A row of `listHosts()` / `executor hosts`. */
export interface HostRow {
  /** The host's name (`host` option, else its hostname). */
  host: string;
  /** Pid of its supervisor. */
  pid: number;
  /** When its supervisor registered (ISO). */
  startedAt: string;
  /** Its last heartbeat (ISO, the database's clock). */
  heartbeatAt: string;
  /** True while its last heartbeat is younger than `leaseTime` and its supervisor has not stopped. */
  alive: boolean;
  /** Most runs it runs at once, or null for no limit. */
  capacity: number | null;
  /** Its labels. */
  labels: HostLabels;
  /** The tasks with a live run on it, sorted. */
  tasks: string[];
}

/** What a supervisor registers for its host. */
export interface HostRegistration {
  host: string; pid: number; capacity: number | null; labels: HostLabels;
  /** Its supervisor's leaseTime, ms: others judge it dead by this lease (theirs when absent). */
  leaseTimeMs?: number;
}

const iso = (value: unknown): string => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());

/**
 * Registers (or re-registers) a host; resolves with its new fencing token (every earlier holder's heartbeats fail
 * from now on).
 */
export async function registerHost(db: Db, reg: HostRegistration): Promise<string> {
  const rows = await db.query<{ token: string }>(`INSERT INTO ${db.table('hosts')} AS h (host, pid, started_at, heartbeat_at, capacity, labels, token, lease_ms)
    VALUES ($1, $2, now(), now(), $3, $4::jsonb, 1, $5)
    ON CONFLICT (host) DO UPDATE SET pid = EXCLUDED.pid, started_at = now(), heartbeat_at = now(), stopped_at = NULL, down_at = NULL,
      capacity = EXCLUDED.capacity, labels = EXCLUDED.labels, token = h.token + 1, lease_ms = EXCLUDED.lease_ms
    RETURNING token`, [reg.host, reg.pid, reg.capacity, JSON.stringify(reg.labels), reg.leaseTimeMs ?? null]);
  return rows[0]!.token;
}

/** One heartbeat: false when the host's token moved on (another supervisor registered it) or it was retired. */
export async function heartbeat(db: Db, host: string, token: string): Promise<boolean> {
  const rows = await db.query(`UPDATE ${db.table('hosts')} SET heartbeat_at = now() WHERE host = $1 AND token = $2 AND stopped_at IS NULL RETURNING 1`, [host, token]);
  return rows.length > 0;
}

/** Marks the host stopped (its supervisor stopped cleanly), if `token` still holds it. */
export async function retireHost(db: Db, host: string, token: string): Promise<void> {
  await db.query(`UPDATE ${db.table('hosts')} SET stopped_at = now() WHERE host = $1 AND token = $2`, [host, token]);
}

/** Every registered host, by name, `tasks` left empty (the caller fills them from the table). */
export async function listHostRows(db: Db, leaseTimeMs: number): Promise<HostRow[]> {
  const rows = await db.query<{ host: string; pid: number; started_at: Date; heartbeat_at: Date; capacity: number | null; labels: HostLabels; alive: boolean }>(
    `SELECT host, pid, started_at, heartbeat_at, capacity, labels,
      (stopped_at IS NULL AND down_at IS NULL AND ${LAST_SIGN_SQL} > now() - make_interval(secs => coalesce(lease_ms, $1)::double precision / 1000)) AS alive
     FROM ${db.table('hosts')} ORDER BY host`, [leaseTimeMs]);
  return rows.map((r) => ({
    host: r.host, pid: r.pid, startedAt: iso(r.started_at), heartbeatAt: iso(r.heartbeat_at), alive: r.alive,
    capacity: r.capacity, labels: r.labels, tasks: [],
  }));
}

/**
 * The hosts that died (no heartbeat for `leaseTime`, not stopped cleanly) and that nobody has claimed yet (never this
 * caller's own host: it is alive, running this; a frozen one is its watchdog's to stop), claimed
 * now by this caller (none while this caller's own database access was troubled within the lease: `Db.steadyMs`): their fencing token moves on (a frozen supervisor that thaws finds its heartbeat refused), and
 * each is claimed once in the cluster. Resolves with them (host, last heartbeat).
 */
export async function claimDeadHosts(db: Db, leaseTimeMs: number): Promise<{ host: string; pid: number; heartbeatAt: string }[]> {
  // This process saw the database fail (a restart, a crash recovery, a cut) within the lease: the others could not
  // heartbeat through it either, so nobody is claimed until they have had a lease to do it.
  if (db.steadyMs < leaseTimeMs) return [];
  const rows = await db.query<{ host: string; pid: number; heartbeat_at: Date }>(`UPDATE ${db.table('hosts')} SET down_at = now(), token = token + 1
    WHERE down_at IS NULL AND stopped_at IS NULL AND ${LAST_SIGN_SQL} <= now() - make_interval(secs => coalesce(lease_ms, $1)::double precision / 1000)
      AND host <> $2
    RETURNING host, pid, heartbeat_at`, [leaseTimeMs, db.config.host]);
  return rows.map((r) => ({ host: r.host, pid: r.pid, heartbeatAt: iso(r.heartbeat_at) }));
}
