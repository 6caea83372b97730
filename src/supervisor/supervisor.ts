// keepRestarting: holds the folder's lease, reacts to exits at once, polls foreign runs,
// and fires schedules from a timer armed to the next due time (capped, re-checking the clock).
import { mkdirSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { InvalidOptionError, LeaseHeldError, LockError } from '../errors.js';
import { EVENTS_DIR } from '../event/inbox.js';
import { readIdentity, isAlive } from '../process/identity.js';
import type { RunExit } from '../process/spawn.js';
import type { Runtime, SupervisorHooks } from '../runtime.js';
import { MAX_TIMER_S } from '../schedule/timer.js';
import type { HeldLease } from '../store/lease.js';
import { ClusterPresence } from '../cluster/presence.js';
import { reconcileTask } from './reconcile.js';
import type { TickReport } from './reconcile.js';
import { TableStamps } from './table-stamps.js';
import { runPass } from './tick.js';

/** Default `sleep` of keepRestarting, in seconds (ExecutoR's 60). */
export const DEFAULT_SLEEP_S = 60;
const MS_PER_SECOND = 1_000;
/** Foreign runs (started by other processes) are checked at least this often. */
export const MAX_POLL_MS = 1_000;
/** The schedule timer is re-armed at least this often, so clock jumps are noticed. */
export const MAX_TIMER_MS = 30_000;
/** A slot is prepared (lock, archive) this long before it is due, then spawned at its time (real clock only). */
export const PREPARE_LEAD_MS = 100;

/** Options of `keepRestarting`. */
export interface KeepRestartingOptions {
  /**
   * Seconds between full re-reads of the table (> 0, at most `MAX_TIMER_S`, 2147483 s); foreign runs are checked every `min(sleep, 1 s)`.
   * A full re-read is skipped while no file in `tasks/` has changed since the last one (inode, size and times, by `stat`).
   * @defaultValue 60
   */
  sleep?: number;
  /**
   * Do not keep the Node process alive just for the supervisor.
   * @defaultValue false
   */
  unref?: boolean;
}

/** Handle returned by `keepRestarting`. */
export interface SupervisorHandle {
  /** Stops supervising (tasks keep running) and releases the lease. */
  stop(): Promise<void>;
  /** Resolves after `stop()`; rejects with `LeaseHeldError` if another supervisor holds the folder. */
  done: Promise<void>;
  /**
   * Resolves once this process holds the folder's lease and supervises, or once it was stopped before that; rejects
   * as `done` does when the lease is refused.
   * @example `const handle = ex.keepRestarting(); await handle.ready; // now supervising`
   */
  ready: Promise<void>;
}

/** Checks keepRestarting's options before anything starts. */
export function checkSupervisorOptions(options: unknown): Required<KeepRestartingOptions> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new InvalidOptionError('options', 'an object', options);
  const o = (options ?? {}) as KeepRestartingOptions;
  const sleep = o.sleep ?? DEFAULT_SLEEP_S;
  if (typeof sleep !== 'number' || !Number.isFinite(sleep) || sleep <= 0) throw new InvalidOptionError('sleep', 'a number of seconds > 0', o.sleep);
  if (sleep > MAX_TIMER_S) throw new InvalidOptionError('sleep', `a number of seconds > 0 and at most ${MAX_TIMER_S} (about 24.8 days: the longest timer Node takes)`, o.sleep);
  if (o.unref !== undefined && typeof o.unref !== 'boolean') throw new InvalidOptionError('unref', 'a boolean', o.unref);
  return { sleep, unref: o.unref ?? false };
}

/** Takes the folder's lease for this process (taking over a dead holder's), or throws `LeaseHeldError`. */
export function holdLease(rt: Runtime, onLost: (error: Error) => void, kind: 'supervisor' | 'tick' = 'supervisor'): Promise<HeldLease> {
  const self = readIdentity(process.pid);
  return rt.store.acquireLease(
    { kind, pid: process.pid, pidStartTime: self?.startTime ?? null, bootId: self?.bootId ?? null, executorId: rt.id },
    (h) => h.pidStartTime === null || h.bootId === null || isAlive({ pid: h.pid, startTime: h.pidStartTime, bootId: h.bootId }),
    onLost,
  );
}

/** One keepRestarting loop: lease, timers and hooks, as private state. */
class Supervisor implements SupervisorHooks {
  readonly #rt: Runtime;
  readonly #options: Required<KeepRestartingOptions>;
  readonly #sleepMs: number;
  readonly #pollMs: number;
  readonly #leadMs: number;
  #lease: HeldLease | null = null;
  // Cluster mode: this host's registration, heartbeat and watchdog (the host's runs die with this supervisor).
  #presence: ClusterPresence | null = null;
  #timer: NodeJS.Timeout | null = null;
  #timerDue = 0;
  #watcher: FSWatcher | null = null;
  #stopped = false;
  #passing = false;
  #again = false;
  #lastFull = 0;
  // Stamps of the record files at the last full pass: a full pass re-reads the records only if one changed since.
  readonly #stamps: TableStamps;
  #resolveDone!: () => void;
  #rejectDone!: (e: Error) => void;
  /** See {@link SupervisorHandle.done}. */
  readonly done: Promise<void>;
  readonly ready: Promise<void>;
  #resolveReady!: () => void;
  // Settles once the lease is taken (and, after an early stop, let go again) or refused.
  readonly #acquiring: Promise<void>;

  constructor(rt: Runtime, options: Required<KeepRestartingOptions>) {
    this.#rt = rt;
    this.#options = options;
    this.#sleepMs = options.sleep * MS_PER_SECOND;
    this.#pollMs = Math.min(this.#sleepMs, MAX_POLL_MS);
    this.#leadMs = rt.realClock ? PREPARE_LEAD_MS : 0;
    this.#stamps = new TableStamps(rt.folder);
    this.done = new Promise<void>((res, rej) => { this.#resolveDone = res; this.#rejectDone = rej; });
    this.done.catch(() => undefined); // callers may ignore `done`; the rejection stays observable to those who await it
    // Settles with the lease: resolved by #begin, or rejected with done's error (a stop before the lease resolves it).
    this.ready = new Promise<void>((res, rej) => { this.#resolveReady = res; this.done.then(res, rej); });
    this.ready.catch(() => undefined);
    this.#acquiring = holdLease(rt, (error) => this.#lost(error)).then((held) => this.#begin(held), (error: Error) => {
      this.#stopped = true;
      if (error instanceof LeaseHeldError) rt.log(`Not supervising: ${error.message}`);
      this.#rejectDone(error);
    });
  }

  async #begin(held: HeldLease): Promise<void> {
    if (this.#stopped) return held.release();
    const rt = this.#rt;
    this.#lease = held;
    rt.supervisor = this;
    rt.log(`Supervising (pid: ${process.pid}, sleep: ${this.#options.sleep} s)`);
    // Cluster mode: the host is registered (listHosts() shows it once `ready`), watched and answering.
    // A NOTIFY on the cluster's channel (a queued run, an event, a stop asked from another host) wakes a pass at once.
    this.#presence = await ClusterPresence.start(rt, { onLost: (error) => this.#lost(error), onWake: () => this.#arm(rt.now()) }, this.#options.unref);
    if (this.#stopped) return;
    this.#resolveReady();
    this.#lastFull = rt.now();
    rt.store.sweep().then((n) => { if (n > 0) rt.log(`Removed ${n} stale temp file(s)`); }, () => undefined);
    this.#watchEvents(); // an event file in this host's folder wakes it (cluster mode: a NOTIFY too, above)
    void this.#pass();
  }

  // An event written by another process wakes a pass at once (the poll would find it within a second anyway).
  #watchEvents(): void {
    const dir = join(this.#rt.folder, EVENTS_DIR);
    try {
      mkdirSync(dir, { recursive: true });
      this.#watcher = watch(dir, () => this.#arm(this.#rt.now()));
      this.#watcher.on('error', () => undefined);
      if (this.#options.unref) this.#watcher.unref();
    } catch {
      this.#watcher = null; // no inotify: the poll still picks events up
    }
  }

  #lost(error: Error): void {
    this.#rt.warn(`Lost the supervisor lease: ${error.message}`);
    this.#rejectDone(new LockError('supervisor.lock', error));
    void this.stop();
  }

  // Arms the single timer: to the next due time, but at least every poll interval (and never past MAX_TIMER_MS).
  #arm(wakeAt: number | null): void {
    if (this.#stopped) return;
    const now = this.#rt.now();
    // Wake `leadMs` early to prepare a slot; a wake already inside that window is one that could not be prepared: wake on time.
    const target = wakeAt === null ? Infinity : wakeAt - this.#leadMs > now ? wakeAt - this.#leadMs : wakeAt;
    const delay = Math.max(0, Math.min(this.#pollMs, MAX_TIMER_MS, target - now));
    const due = Date.now() + delay;
    // An earlier wake already armed (e.g. an event file that arrived during a pass) is kept: its pass re-arms anyway.
    if (this.#timer && this.#timerDue <= due) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(() => { this.#timer = null; void this.#pass(); }, delay);
    if (this.#options.unref) this.#timer.unref();
  }

  async #pass(): Promise<void> {
    if (this.#stopped) return;
    // One pass at a time: a wake during a pass (it may wait for prepared slots) runs one more pass right after.
    if (this.#passing) { this.#again = true; return; }
    this.#passing = true;
    const rt = this.#rt;
    const due = rt.now() - this.#lastFull >= this.#sleepMs;
    if (due) this.#lastFull = rt.now();
    // Every `sleep`, all records are re-read (changes that bypassed the journal), unless no record file has changed
    // since the last time (stat only): re-reading an unchanged table was most of an idle supervisor's garbage.
    const full = due && this.#stamps.changed();
    let wakeAt: number | null = null;
    try {
      wakeAt = (await runPass(rt, true, full, this.#leadMs)).nextWakeAt;
    } catch (error) {
      if (full) this.#stamps.forget(); // the records may not have been re-read: the next due pass re-reads them
      rt.emitter.emit('error', error as Error);
    } finally {
      this.#passing = false;
    }
    const again = this.#again;
    this.#again = false;
    this.#arm(again ? rt.now() : wakeAt);
  }

  onRunClosed(name: string): void {
    if (!this.#stopped) reconcileTask(this.#rt, name, true).catch((error: unknown) => this.#rt.emitter.emit('error', error as Error, { name }));
  }

  onChanged(): void {
    this.#arm(this.#rt.now());
  }

  async onOwnExit(name: string, runId: string, pid: number, exit: RunExit): Promise<void> {
    await reconcileTask(this.#rt, name, !this.#stopped, { runId, pid, exit });
  }

  /** See {@link SupervisorHandle.stop}. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#watcher?.close();
    if (this.#rt.supervisor === this) this.#rt.supervisor = null;
    // A lease still being taken is let go as soon as it is held (#begin sees the stop): wait for that, so nothing is
    // written to the folder once stop() has resolved.
    await this.#acquiring.catch(() => undefined);
    await this.#presence?.stop();
    const held = this.#lease;
    this.#lease = null;
    if (held) {
      await held.release();
      this.#rt.log('Supervisor stopped');
    }
    this.#resolveDone();
  }
}

/** Starts supervising `rt`'s folder. */
export function startSupervisor(rt: Runtime, options: Required<KeepRestartingOptions>): SupervisorHandle {
  const supervisor = new Supervisor(rt, options);
  return { stop: () => supervisor.stop(), done: supervisor.done, ready: supervisor.ready };
}

/** One pass for `tick()`: supervising (restarts, schedules, events) only if this process holds or can take the lease. */
export async function tickOnce(rt: Runtime): Promise<TickReport> {
  if (rt.supervisor) return runPass(rt, true);
  const handle = await holdLease(rt, () => undefined, 'tick').catch((error: unknown) => {
    if (error instanceof LeaseHeldError) return null; // another process supervises: only record dead runs
    throw error;
  });
  try {
    return await runPass(rt, handle !== null);
  } finally {
    await handle?.release();
  }
}
