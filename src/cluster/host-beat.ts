// A supervisor's presence in its cluster: it registers its host, heartbeats every HEARTBEAT_MS with the host's fencing
// token, and retires the host when it stops. A heartbeat refused (another supervisor registered the same host name
// since) is reported once through `onLost`; a database error is retried at the next beat.
import type { Db } from './db.js';
import { heartbeat, registerHost, retireHost, type HostRegistration } from './hosts.js';

/** How often a supervisor heartbeats, ms. */
export const HEARTBEAT_MS = 1_000;

/** What a HostBeat reports. */
export interface HostBeatHooks {
  /** Before registering: the schema is there (PgStore.open). */
  prepare(): Promise<void>;
  /** Another supervisor registered this host (its token moved on): this one must stop supervising. */
  onLost(error: Error): void;
  /** A beat failed (the database): the next one retries. */
  onError(error: Error): void;
  /** The host is registered, with this fencing token. */
  onRegistered(token: string): void;
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
    try {
      if (this.#token === null) {
        await this.#hooks.prepare();
        this.#token = await registerHost(this.#db, this.#reg);
        this.#hooks.onRegistered(this.#token);
      }
      else if (!(await heartbeat(this.#db, this.#reg.host, this.#token))) {
        this.#stopped = true;
        this.#hooks.onLost(new Error(`another supervisor registered host "${this.#reg.host}" in the cluster`));
        return;
      }
    } catch (error) {
      this.#hooks.onError(error as Error);
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => { this.#beating = this.#beat(); }, HEARTBEAT_MS);
    if (this.#unref) this.#timer.unref();
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
