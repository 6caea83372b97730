// A supervisor's presence in its cluster: it registers its host, heartbeats every HEARTBEAT_MS (more often with a short
// leaseTime: beatInterval) with the host's fencing token, and retires the host when it stops. A heartbeat refused
// (another host claimed this one dead, or another supervisor registered the same host name since) is reported once
// through `onLost`, saying which; a database error is retried soon (RETRY_BEAT_MS).
import type { Db } from './db.js';
import { heartbeat, registerHost, retireHost, type HostRegistration } from './hosts.js';

/** How often a supervisor heartbeats, ms. */
export const HEARTBEAT_MS = 1_000;
/** Beats come at least every this share of `leaseTime`: one late beat must not make a live host look dead. */
export const BEAT_SHARE = 0.25;
/**
 * After a failed beat (the database unreachable, restarting), the next try comes this much sooner, ms: a restarted
 * database counts as every host's heartbeat for one lease time (hosts.ts), and each host must beat within it.
 */
export const RETRY_BEAT_MS = 200;

/**
 * The time between two heartbeats for `leaseTimeMs`: every second, or a quarter of a shorter lease.
 * @example `beatInterval(10_000) // 1000`, `beatInterval(1_000) // 250`
 */
export function beatInterval(leaseTimeMs: number): number {
  return Math.min(HEARTBEAT_MS, Math.round(leaseTimeMs * BEAT_SHARE));
}

/** What a HostBeat reports. */
export interface HostBeatHooks {
  /** Before registering: the schema is there (PgStore.open). */
  prepare(): Promise<void>;
  /**
   * The host is not this supervisor's any more (its token moved on): this one must stop supervising. `claimed`: another
   * host claimed it dead (its runs are being taken over elsewhere); else another supervisor registered it.
   */
  onLost(error: Error, claimed: boolean): void;
  /** A beat failed (the database): the next one retries. */
  onError(error: Error): void;
  /** The host is registered, with this fencing token. */
  onRegistered(token: string): void;
  /** A heartbeat went through (the host is still this supervisor's). */
  onBeat?(): void;
}

/** The presence of one supervisor's host (see the file comment). */
export class HostBeat {
  readonly #db: Db;
  readonly #reg: HostRegistration;
  readonly #hooks: HostBeatHooks;
  readonly #unref: boolean;
  #token: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #beating: Promise<void> = Promise.resolve();

  constructor(db: Db, reg: HostRegistration, hooks: HostBeatHooks, unref: boolean) {
    this.#db = db;
    this.#reg = reg;
    this.#hooks = hooks;
    this.#unref = unref;
  }

  /** The fencing token of this registration, once registered. */
  get token(): string | null {
    return this.#token;
  }

  /** Registers the host (retried at each beat if the database fails now), then beats every HEARTBEAT_MS. */
  async start(): Promise<void> {
    this.#beating = this.#beat();
    await this.#beating;
  }

  async #beat(): Promise<void> {
    if (this.#stopped) return;
    const interval = beatInterval(this.#db.config.leaseTimeMs);
    let next = interval;
    try {
      if (this.#token === null) {
        await this.#hooks.prepare();
        this.#token = await registerHost(this.#db, this.#reg);
        this.#hooks.onRegistered(this.#token);
      }
      else if (!(await heartbeat(this.#db, this.#reg.host, this.#token))) {
        this.#stopped = true;
        const claimed = await this.#claimed();
        this.#hooks.onLost(new Error(claimed ? `another host claimed host "${this.#reg.host}" dead (no heartbeat for leaseTime)` : `another supervisor registered host "${this.#reg.host}" in the cluster`), claimed);
        return;
      } else {
        this.#hooks.onBeat?.();
      }
    } catch (error) {
      next = Math.min(RETRY_BEAT_MS, interval);
      this.#hooks.onError(error as Error);
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => { this.#beating = this.#beat(); }, next);
    if (this.#unref) this.#timer.unref();
  }

  // After a refused beat: true when the host was claimed dead by another (not registered again by another supervisor).
  async #claimed(): Promise<boolean> {
    const rows = await this.#db.query<{ down: boolean; pid: number }>(`SELECT down_at IS NOT NULL AS down, pid FROM ${this.#db.table('hosts')} WHERE host = $1`, [this.#reg.host])
      .catch(() => null);
    if (rows === null) return true; // unknown: the safe side (its runs are stopped)
    return rows.length === 0 || (rows[0]!.down && rows[0]!.pid === this.#reg.pid);
  }

  /**
   * Stops beating and, with `retire`, retires the host (best effort: a dead database leaves it to time out); without,
   * the host is left to whoever holds it now (its detached watchdog).
   */
  async stop(retire = true): Promise<void> {
    const wasStopped = this.#stopped;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#beating.catch(() => undefined);
    if (retire && !wasStopped && this.#token !== null) await retireHost(this.#db, this.#reg.host, this.#token).catch(() => undefined);
  }
}
