// keepRestarting: holds the folder's lease, reacts to exits at once, polls foreign runs,
// and fires schedules from a timer armed to the next due time (capped, re-checking the clock).
import { InvalidOptionError, LeaseHeldError, LockError } from '../errors.js';
import { readIdentity, isAlive } from '../process/identity.js';
import type { RunExit } from '../process/spawn.js';
import type { Runtime } from '../runtime.js';
import type { HeldLease } from '../store/lease.js';
import { reconcileTask } from './reconcile.js';
import { runPass } from './tick.js';

/** Foreign runs (started by other processes) are checked at least this often. */
export const MAX_POLL_MS = 1_000;
/** The schedule timer is re-armed at least this often, so clock jumps are noticed. */
export const MAX_TIMER_MS = 30_000;

/** Options of `keepRestarting`. */
export interface KeepRestartingOptions {
  /**
   * Seconds between full re-reads of the table; foreign runs are checked every `min(sleep, 1 s)`.
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
}

/** Checks keepRestarting's options before anything starts. */
export function checkSupervisorOptions(options: unknown): Required<KeepRestartingOptions> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new InvalidOptionError('options', 'an object', options);
  const o = (options ?? {}) as KeepRestartingOptions;
  const sleep = o.sleep ?? 60;
  if (typeof sleep !== 'number' || !Number.isFinite(sleep) || sleep <= 0) throw new InvalidOptionError('sleep', 'a number of seconds > 0', o.sleep);
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

/** Starts supervising `rt`'s folder. */
export function startSupervisor(rt: Runtime, options: Required<KeepRestartingOptions>): SupervisorHandle {
  const sleepMs = options.sleep * 1000;
  const pollMs = Math.min(sleepMs, MAX_POLL_MS);
  let lease: HeldLease | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let lastFull = 0;
  let resolveDone!: () => void;
  let rejectDone!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => { resolveDone = res; rejectDone = rej; });
  done.catch(() => undefined); // callers may ignore `done`; the rejection stays observable to those who await it

  const arm = (wakeAt: number | null): void => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    const now = rt.now();
    const delay = Math.max(0, Math.min(pollMs, MAX_TIMER_MS, wakeAt === null ? Infinity : wakeAt - now));
    timer = setTimeout(() => void pass(), delay);
    if (options.unref) timer.unref();
  };
  const pass = async (): Promise<void> => {
    if (stopped) return;
    const full = rt.now() - lastFull >= sleepMs;
    if (full) lastFull = rt.now();
    try {
      const report = await runPass(rt, true, full);
      arm(report.nextWakeAt);
    } catch (error) {
      rt.emitter.emit('error', error as Error);
      arm(null);
    }
  };
  const hooks = {
    onRunClosed: (name: string) => {
      if (!stopped) reconcileTask(rt, name, true).catch((error: unknown) => rt.emitter.emit('error', error as Error, { name }));
    },
    onChanged: () => arm(rt.now()),
    onOwnExit: async (name: string, runId: string, exit: RunExit) => {
      await reconcileTask(rt, name, !stopped, { runId, exit });
    },
  };

  holdLease(rt, (error) => {
    rt.warn(`Lost the supervisor lease: ${error.message}`);
    rejectDone(new LockError('supervisor.lock', error));
    void handle.stop();
  }).then((held) => {
    if (stopped) return held.release();
    lease = held;
    rt.supervisor = hooks;
    rt.log(`Supervising (pid: ${process.pid}, sleep: ${options.sleep} s)`);
    lastFull = rt.now();
    rt.store.sweep().then((n) => { if (n > 0) rt.log(`Removed ${n} stale temp file(s)`); }, () => undefined);
    void pass();
  }, (error: Error) => {
    stopped = true;
    if (error instanceof LeaseHeldError) rt.log(`Not supervising: ${error.message}`);
    rejectDone(error);
  });

  const handle: SupervisorHandle = {
    async stop() {
      if (stopped && !lease) { resolveDone(); return done.catch(() => undefined); }
      stopped = true;
      if (timer) clearTimeout(timer);
      if (rt.supervisor === hooks) rt.supervisor = null;
      const held = lease;
      lease = null;
      if (held) {
        await held.release();
        rt.log('Supervisor stopped');
      }
      resolveDone();
    },
    done,
  };
  return handle;
}
