// Issue 13: a free task lock is taken with one mkdir (FastLocks) instead of proper-lockfile's mkdir, stat
// and timer on the thread pool. The lock directory is the same, so proper-lockfile (other processes, older versions)
// still sees it held while it is fresh, and takes it over once stale (a crashed holder).
import { existsSync, mkdirSync, renameSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FastLocks } from '../../src/store/fast-lock.js';
import { LOCK_STALE_MS, LockSet } from '../../src/store/lock.js';
import { loadLockfile } from '../../src/store/load-lockfile.js';
import { useStoreKit } from '../fixtures/store/kit.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useStoreKit();

const never = (file: string, error: Error): void => { throw new Error(`lock ${file} compromised: ${error.message}`); };

describe('FastLocks', () => {
  it('takes a free lock directory, refuses a held one, and removes it on release', async () => {
    const locks = new FastLocks(1_000);
    const lockPath = path.join(kit.tmpDir(), 'a.lock');
    const release = await locks.take(lockPath, never);
    expect(release).not.toBeNull();
    expect(statSync(lockPath).isDirectory()).toBe(true);
    expect(await locks.take(lockPath, never)).toBeNull(); // held: the caller takes proper-lockfile's path
    await release!();
    expect(existsSync(lockPath)).toBe(false);
    await release!(); // idempotent
  });

  it('keeps held locks fresh (one timer bumps every mtime), so proper-lockfile in another holder sees them held', async () => {
    const locks = new FastLocks(50);
    const dir = kit.tmpDir();
    const [a, b] = [path.join(dir, 'a.lock'), path.join(dir, 'b.lock')];
    const releases = [(await locks.take(a, never))!, (await locks.take(b, never))!];
    const made = statSync(a).mtimeMs;
    await waitUntil(() => [a, b].every((lock) => statSync(lock).mtimeMs >= made + 200), { what: 'both lock mtimes to be refreshed' });
    const lockfile = await loadLockfile();
    await expect(lockfile.lock(a, { realpath: false, lockfilePath: a, stale: LOCK_STALE_MS, retries: 0 })).rejects.toMatchObject({ code: 'ELOCKED' });
    for (const release of releases) await release();
    expect(existsSync(a) || existsSync(b)).toBe(false);
  }, T(10_000));

  it('reports a lock whose directory was replaced (taken over after a stall) as compromised, and its release leaves the new holder alone', async () => {
    const locks = new FastLocks(50);
    const lockPath = path.join(kit.tmpDir(), 'a.lock');
    const compromised: string[] = [];
    const release = (await locks.take(lockPath, (file) => compromised.push(file)))!;
    renameSync(lockPath, `${lockPath}.old`); // kept, so the new directory cannot reuse its inode
    mkdirSync(lockPath); // the other holder's
    await waitUntil(() => compromised.length > 0, { what: 'the compromise to be noticed' });
    expect(compromised).toEqual([lockPath]);
    await release();
    expect(existsSync(lockPath)).toBe(true);
  }, T(10_000));
});

describe('LockSet with fast locks', () => {
  it('a stale lock directory left by a crashed holder is taken over (proper-lockfile path), and the lock then works as usual', async () => {
    const set = new LockSet(never);
    const lockPath = path.join(kit.tmpDir(), 'a.lock');
    mkdirSync(lockPath);
    const old = new Date(Date.now() - 2 * LOCK_STALE_MS);
    utimesSync(lockPath, old, old);
    const seen = await set.with(lockPath, async () => existsSync(lockPath) && statSync(lockPath).mtimeMs > old.getTime());
    expect(seen).toBe(true);
    expect(existsSync(lockPath)).toBe(false);
    expect(await set.with(lockPath, async () => existsSync(lockPath))).toBe(true); // free now: the fast path
    expect(existsSync(lockPath)).toBe(false);
  }, T(10_000));

  it('two lock sets (two stores, as two processes) on one lock run their sections one at a time', async () => {
    const lockPath = path.join(kit.tmpDir(), 'a.lock');
    const a = new LockSet(never);
    const b = new LockSet(never);
    let inside = 0;
    let most = 0;
    const section = async (): Promise<void> => {
      inside++;
      most = Math.max(most, inside);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inside--;
    };
    await Promise.all([a.with(lockPath, section), b.with(lockPath, section), a.with(lockPath, section), b.with(lockPath, section)]);
    expect(most).toBe(1);
    expect(existsSync(lockPath)).toBe(false);
  }, T(10_000));
});
