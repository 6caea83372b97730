// The supervisor lease: at most one keepRestarting per folder, taken over when its holder dies.
import { hostname } from 'node:os';
import { stat, unlink, utimes } from 'node:fs/promises';
import { loadLockfile } from './load-lockfile.js';
import { LeaseHeldError } from '../errors.js';
import { readJson, writeFileAtomic } from './atomic.js';
import { storeWriteError } from './write-error.js';

/** A lease not refreshed for this long is stale even if its holder looks alive (e.g. a hung process). */
export const LEASE_STALE_MS = 10_000;
/** How often the holder refreshes the lease. */
export const LEASE_UPDATE_MS = 1_000;
// A holder refreshes every LEASE_UPDATE_MS; twice that without a refresh, plus a dead pid, means it is gone.
const DEAD_HOLDER_QUIET_MS = 2 * LEASE_UPDATE_MS;
// A new holder writes supervisor.json just after taking the lock: wait this long for it to appear.
const HOLDER_FILE_WAIT_MS = 1_000;
const HOLDER_FILE_POLL_MS = 25;
/** A one-off `tick()` holds the lease for one pass: a supervisor waits this long for it instead of being refused. */
export const TICK_LEASE_WAIT_MS = 3_000;

/** Who holds the lease (`supervisor.json`). */
export interface LeaseHolder {
  /** `'supervisor'` for keepRestarting, `'tick'` for the short hold of a one-off `tick()`. */
  kind: 'supervisor' | 'tick';
  pid: number;
  pidStartTime: number | null;
  bootId: string | null;
  executorId: string;
  hostname: string;
  since: string;
}

/** A held lease. */
export interface HeldLease {
  release(): Promise<void>;
}

/** Options of {@link acquireLease}. */
export interface AcquireLeaseOptions {
  lockPath: string;
  holderFile: string;
  holder: Omit<LeaseHolder, 'hostname' | 'since'>;
  /** True when the holder described by the file is still alive (pid + start time). */
  isHolderAlive: (holder: LeaseHolder) => boolean;
  /** Called if the lease is lost while held. */
  onLost: (error: Error) => void;
}

async function tryLock(opts: AcquireLeaseOptions): Promise<() => Promise<void>> {
  const lockfile = await loadLockfile();
  return lockfile.lock(opts.lockPath, {
    realpath: false, lockfilePath: opts.lockPath, stale: LEASE_STALE_MS, update: LEASE_UPDATE_MS, retries: 0, onCompromised: opts.onLost,
  });
}

async function readHolder(file: string): Promise<LeaseHolder | null> {
  try {
    return (await readJson(file)) as LeaseHolder | null;
  } catch {
    return null;
  }
}

// Takes over the lease of a dead holder. Contenders take a second lock first, and re-check under it, so two
// of them never both age the lock (which could make a fresh holder's lock look stale).
async function takeOverDead(folder: string, opts: AcquireLeaseOptions, dead: LeaseHolder): Promise<() => Promise<void>> {
  const takeoverPath = `${opts.lockPath}.takeover`;
  let releaseTakeover: () => Promise<void>;
  const lockfile = await loadLockfile();
  try {
    releaseTakeover = await lockfile.lock(takeoverPath, { realpath: false, lockfilePath: takeoverPath, stale: LEASE_STALE_MS, retries: 0, onCompromised: () => undefined });
  } catch {
    throw new LeaseHeldError(folder, dead.pid);
  }
  try {
    const holder = await readHolder(opts.holderFile);
    const quietFor = Date.now() - ((await stat(opts.lockPath).catch(() => null))?.mtimeMs ?? 0);
    if (!holder || holder.pid !== dead.pid || opts.isHolderAlive(holder) || quietFor < DEAD_HOLDER_QUIET_MS) throw new LeaseHeldError(folder, holder?.pid ?? null);
    // The holder is dead: age its lock so proper-lockfile's own stale takeover removes it.
    await utimes(opts.lockPath, 0, 0).catch(() => undefined);
    return await tryLock(opts).catch(() => {
      throw new LeaseHeldError(folder, dead.pid);
    });
  } finally {
    await releaseTakeover().catch(() => undefined);
  }
}

/** Takes the folder's lease or throws `LeaseHeldError` naming the holder's pid. */
export async function acquireLease(folder: string, opts: AcquireLeaseOptions): Promise<HeldLease> {
  const start = Date.now();
  // When the lock was first seen held with no holder file (a holder between its lock and its file, or letting go).
  let unnamedSince: number | null = null;
  let release: (() => Promise<void>) | null = null;
  while (!release) {
    try {
      release = await tryLock(opts);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw storeWriteError(error, opts.lockPath);
    }
    const holder = await readHolder(opts.holderFile);
    const now = Date.now();
    unnamedSince = holder === null ? unnamedSince ?? now : null;
    // A new holder writes its file just after locking, and one letting go removes it just before unlocking; a one-off
    // tick() lets go after one pass: try again shortly.
    const retry = holder === null ? now - unnamedSince! < HOLDER_FILE_WAIT_MS : holder.kind === 'tick' && opts.holder.kind === 'supervisor' && now - start < TICK_LEASE_WAIT_MS;
    if (retry) {
      await new Promise((r) => setTimeout(r, HOLDER_FILE_POLL_MS));
      continue;
    }
    if (!holder || opts.isHolderAlive(holder)) throw new LeaseHeldError(folder, holder?.pid ?? null);
    release = await takeOverDead(folder, opts, holder);
  }
  const unlock = release;
  const info: LeaseHolder = { ...opts.holder, hostname: hostname(), since: new Date().toISOString() };
  try {
    await writeFileAtomic(opts.holderFile, `${JSON.stringify(info, null, 2)}\n`);
  } catch (error) {
    await unlock().catch(() => undefined); // a lease nobody is named in would block every other supervisor
    throw storeWriteError(error, opts.holderFile);
  }
  return {
    async release() {
      await unlink(opts.holderFile).catch(() => undefined);
      await unlock().catch(() => undefined);
    },
  };
}
