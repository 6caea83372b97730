// A supervising host's presence in its cluster: its registration and heartbeat (host-beat.ts), its watchdog
// (watchdog.ts: the host's runs die with this supervisor), the requests other hosts send it (reading a live run's
// output), and the wake-ups (wake.ts: a NOTIFY wakes a pass, or the request server, at once; both poll too). The
// supervisor starts it before it is `ready` and stops it last.
import type { Runtime } from '../runtime.js';
import { HostBeat } from './host-beat.js';
import { noticeDeadHosts } from './host-down.js';
import type { ClusterConfig } from './options.js';
import { clusterOf, type PgStore } from './pg-store.js';
import { answerRequest } from './answers.js';
import { RequestServer } from './requests.js';
import { listenWake, type WakeTopic } from './wake.js';
import { stopHostRuns } from './watchdog.js';
import { WatchdogHandle } from './watchdog-spawn.js';

/** What a host's presence tells its supervisor. */
export interface PresenceHooks {
  /** Another supervisor took the host (its token moved on): this one must stop supervising. */
  onLost(error: Error): void;
  /**
   * A wake-up for the supervisor (a queued run, an event, a control request: `topic`), or null when the LISTEN
   * connection came back after a loss (wake-ups may have been missed): a pass should run now.
   */
  onWake(topic: WakeTopic | null): void;
}

/** One supervisor's presence in its cluster (see the file comment). */
export class ClusterPresence {
  readonly #rt: Runtime;
  readonly #unref: boolean;
  readonly #beat: HostBeat;
  #watchdog: WatchdogHandle | null = null;
  #watching: Promise<void> = Promise.resolve();
  #requests: RequestServer | null = null;
  #unlisten: (() => Promise<void>) | null = null;
  #stopped = false;
  // Another host claimed this one dead: its runs are being taken over there, so they are stopped here.
  #claimed = false;
  #noticing = false;

  readonly #hooks: PresenceHooks;

  private constructor(rt: Runtime, cluster: PgStore, hooks: PresenceHooks, unref: boolean) {
    this.#hooks = hooks;
    this.#rt = rt;
    this.#unref = unref;
    const { host, capacity, labels } = cluster.db.config;
    this.#beat = new HostBeat(cluster.db, { host, pid: process.pid, capacity, labels, leaseTimeMs: cluster.db.config.leaseTimeMs }, {
      prepare: () => cluster.open(),
      onLost: (error, claimed) => {
        this.#claimed ||= claimed;
        hooks.onLost(error);
      },
      onError: (error) => rt.emitter.emit('error', error),
      onRegistered: (token) => { rt.hosts?.noteBeat(); this.#watching = this.#startWatchdog(cluster.db.config, token); },
      onBeat: () => {
        const stale = rt.hosts?.beatStale() ?? false;
        rt.hosts?.noteBeat();
        if (stale) rt.supervisor?.onChanged(); // passes were held while the beat was stale: one now
        this.#noticeDead();
      },
    }, unref);
  }

  // After each heartbeat, apart from the passes: dead hosts are claimed (and their sessions ended) even while this
  // host's pass waits for a lock a frozen host holds, so the freeze cannot stall the takeover. One at a time.
  #noticeDead(): void {
    if (this.#noticing || this.#stopped) return;
    this.#noticing = true;
    const rt = this.#rt;
    void noticeDeadHosts(rt).then(async (dead) => {
      if (dead.length === 0) return;
      await rt.hosts?.refresh(true);
      rt.supervisor?.onChanged();
    }).catch(() => undefined).finally(() => { this.#noticing = false; });
  }

  /**
   * Registers the host and starts its watchdog and request answering; null for a folder. Resolves once registered (or
   * the first try failed: the heartbeats try again).
   * @example `this.#presence = await ClusterPresence.start(rt, { onLost }, false);`
   */
  static async start(rt: Runtime, hooks: PresenceHooks, unref: boolean): Promise<ClusterPresence | null> {
    const cluster = clusterOf(rt.store);
    if (cluster === null) return null;
    const presence = new ClusterPresence(rt, cluster, hooks, unref);
    await presence.#beat.start();
    await presence.#watching;
    const requests = new RequestServer(cluster.db, cluster.db.config.host, (kind, payload) => presence.#answer(kind, payload), unref);
    presence.#requests = requests;
    presence.#unlisten = await listenWake(cluster.db, (topic) => {
      if (presence.#stopped) return;
      if (topic === 'request' || topic === null) requests.wake();
      if (topic !== 'request') hooks.onWake(topic);
    }).catch(() => null); // no LISTEN: the polls do it all
    return presence;
  }

  async #startWatchdog(config: ClusterConfig, token: string): Promise<void> {
    const rt = this.#rt;
    // A watchdog that ends while this supervises stopped the host's runs (this process was frozen or hung past
    // leaseTime): the host is another's now, and this supervisor stops.
    const onExit = (): void => { if (!this.#stopped) this.#hooks.onLost(new Error(`the watchdog of host "${config.host}" stopped its runs: this supervisor was frozen or hung past leaseTime`)); };
    this.#watchdog = await WatchdogHandle.start({ executorId: rt.id, cluster: config, token, killTimeoutMs: rt.killTimeoutMs }, this.#unref, onExit)
      .catch(() => null);
    if (this.#watchdog === null) rt.warn(`No watchdog for host ${config.host} (is the package built?): its runs would outlive a killed supervisor`, undefined, 'ERR_SPAWN');
    else if (this.#stopped) this.#watchdog.detach();
  }

  // Another host's request (answers.ts).
  #answer(kind: string, payload: unknown): Promise<unknown> {
    return answerRequest(this.#rt, kind, payload);
  }

  async #stopClaimedRuns(): Promise<void> {
    const rt = this.#rt;
    const cluster = clusterOf(rt.store)!;
    rt.warn(`Host ${cluster.db.config.host} was claimed dead by another host: stopping its runs (they are taken over there)`, undefined, 'ERR_HOST_LOST');
    await stopHostRuns({ executorId: rt.id, cluster: cluster.db.config, token: '', killTimeoutMs: rt.killTimeoutMs }).catch(() => undefined);
  }

  // True when a run of the table is recorded on this host (a failure to read counts as yes: the watchdog decides).
  async #hostHasRuns(): Promise<boolean> {
    const rt = this.#rt;
    const table = await rt.store.table().catch(() => null);
    if (table === null) return true;
    for (const record of table.records.values()) {
      if ([record.state.run, ...record.state.extraRuns].some((run) => run?.host === rt.host)) return true;
    }
    return false;
  }

  /**
   * A clean stop: the watchdog holds the host while its runs live on (as in a folder, a stop leaves them running); a
   * host with none is retired at once. A host claimed dead by another (this supervisor was cut off from the database,
   * or too slow to heartbeat, past leaseTime) stops its runs first: they are another host's now.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#requests?.stop();
    await this.#unlisten?.();
    await this.#watching;
    if (this.#claimed) await this.#stopClaimedRuns();
    const holding = this.#watchdog !== null && await this.#hostHasRuns();
    this.#watchdog?.detach();
    await this.#beat.stop(!holding);
  }
}
