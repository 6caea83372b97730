// A host's watchdog (cluster mode): a small detached process its supervisor starts, so that the host's runs never
// outlive its supervisor's hold on the host. The supervisor writes `ping` every second on the watchdog's stdin.
// - The pipe closes without a `detach` (the supervisor died: kill -9, a crash), or no ping comes for 3/4 of
//   `leaseTime` (it is frozen or hung): the watchdog stops every process of the host's runs (found by their
//   EXECUTOR_ID and EXECUTOR_HOST marker, daemons included; SIGKILL after at most 1/5 of `leaseTime`), then exits. It never heartbeats then, so another host takes the runs
//   over once the host's lease has lapsed, and by then they are gone.
// - `detach` (the supervisor stops cleanly, leaving its runs running, as in a folder): the watchdog holds the host's
//   lease instead, heartbeating with the supervisor's token (as often as the supervisor did: beatInterval) while any
//   of the host's processes lives; then it retires the host and exits. A refused heartbeat ends it: quietly when a new
//   supervisor registered the host (the runs are the new supervisor's), after stopping the runs when another host
//   claimed this one dead (they are taken over there).
import { readBootId } from '../process/identity.js';
import { hasMarker, type RunMarker } from '../process/marker.js';
import { listPids } from '../process/proc-table.js';
import { stopTree } from '../process/stop.js';
import { Db } from './db.js';
import { beatInterval } from './host-beat.js';
import { heartbeat, retireHost } from './hosts.js';
import type { ClusterConfig } from './options.js';

/** How often a detached watchdog heartbeats and looks for the host's processes, ms. */
export const WATCH_MS = 1_000;
/**
 * With no ping for this share of `leaseTime`, the supervisor counts as frozen: its runs are stopped, within another
 * {@link STOP_GRACE_SHARE} (SIGTERM, then SIGKILL), so they are gone before another host may take them over.
 */
export const FROZEN_SHARE = 0.75;
/** The share of `leaseTime` a frozen supervisor's runs get between SIGTERM and SIGKILL (at most `killTimeout`). */
export const STOP_GRACE_SHARE = 0.2;

/** What the supervisor hands its watchdog (one JSON line, first on stdin). */
export interface WatchdogConfig {
  executorId: string;
  cluster: ClusterConfig;
  /** The host's fencing token of the supervisor's registration. */
  token: string;
  killTimeoutMs: number;
}

/** What the watchdog did, for its exit. */
export type WatchdogEnd = 'killed' | 'retired' | 'replaced';

// True while some process of the host's runs is alive.
function hostProcessesAlive(marker: RunMarker): boolean {
  return listPids().some((pid) => pid !== process.pid && hasMarker(pid, marker));
}

/** Stops every process of the host's runs (TERM, then KILL after `killTimeoutMs`). */
export async function stopHostRuns(config: WatchdogConfig): Promise<void> {
  const root = { pid: 0, startTime: 0, bootId: readBootId() }; // no root: the marker finds them all
  const killTimeoutMs = Math.min(config.killTimeoutMs, Math.round(config.cluster.leaseTimeMs * STOP_GRACE_SHARE));
  await stopTree(root, { killTimeoutMs, marker: { executorId: config.executorId, host: config.cluster.host } });
}

// After a refused heartbeat: true when the host was claimed dead (not registered again by a new supervisor).
async function claimedDown(db: Db, host: string): Promise<boolean> {
  const rows = await db.query<{ down: boolean }>(`SELECT down_at IS NOT NULL AS down FROM ${db.table('hosts')} WHERE host = $1`, [host]).catch(() => null);
  return rows === null || rows.length === 0 || rows[0]!.down;
}

/** A detached watchdog: heartbeats while the host's processes live; resolves with how it ended. */
export async function holdDetached(config: WatchdogConfig): Promise<WatchdogEnd> {
  const db = new Db(config.cluster);
  const marker = { executorId: config.executorId, host: config.cluster.host };
  try {
    for (;;) {
      if (!hostProcessesAlive(marker)) {
        await retireHost(db, config.cluster.host, config.token).catch(() => undefined);
        return 'retired';
      }
      const held = await heartbeat(db, config.cluster.host, config.token).catch(() => true); // the database down: try again
      if (!held) {
        if (await claimedDown(db, config.cluster.host)) await stopHostRuns(config);
        return 'replaced';
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(WATCH_MS, beatInterval(config.cluster.leaseTimeMs))));
    }
  } finally {
    await db.end();
  }
}

/**
 * Watches the supervisor through `lines` (its stdin, line by line): resolves with how the watch ended (see the file
 * comment). `onLine` is fed each line by the caller; `onEnd` when the pipe closes.
 */
export class Watch {
  readonly #config: WatchdogConfig;
  #last = performance.now();
  #detached = false;
  #ended = false;
  #timer: NodeJS.Timeout;
  readonly done: Promise<WatchdogEnd>;
  #finish!: (end: Promise<WatchdogEnd>) => void;

  constructor(config: WatchdogConfig) {
    this.#config = config;
    this.done = new Promise((resolve) => { this.#finish = (end) => resolve(end); });
    const frozenMs = config.cluster.leaseTimeMs * FROZEN_SHARE;
    this.#timer = setInterval(() => {
      if (!this.#detached && performance.now() - this.#last > frozenMs) this.#kill(); // frozen or hung
    }, Math.min(WATCH_MS, frozenMs / 4));
  }

  #kill(): void {
    if (this.#ended) return;
    this.#ended = true;
    clearInterval(this.#timer);
    this.#finish(stopHostRuns(this.#config).then(() => 'killed' as const));
  }

  /** A line from the supervisor. */
  line(text: string): void {
    if (this.#ended) return;
    if (text === 'ping') this.#last = performance.now();
    else if (text === 'detach') {
      this.#detached = true;
      this.#ended = true;
      clearInterval(this.#timer);
      this.#finish(holdDetached(this.#config));
    }
  }

  /** The pipe closed: the supervisor is gone (a clean stop said `detach` first). */
  end(): void {
    this.#kill();
  }
}
