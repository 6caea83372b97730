import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LeaseHeldError } from '../../src/errors.js';
import { readIdentity } from '../../src/process/identity.js';
import { acquireLease, type AcquireLeaseOptions, type HeldLease, type LeaseHolder, TICK_LEASE_WAIT_MS } from '../../src/store/lease.js';
import { holderAlive, useStoreKit } from '../fixtures/store/kit.js';
import { waitUntil } from '../helpers/wait.js';

const kit = useStoreKit();

// A dead holder is taken over after DEAD_HOLDER_QUIET_MS (2 s): allow plenty on a slow machine.
const TAKEOVER_DEADLINE_MS = 15_000;
// How long a live holder in another process must keep the lease against repeated attempts.
const LIVE_HOLDER_CHECK_MS = 3_000;
// How long a tick holds the lease while a supervisor is waiting for it (well under TICK_LEASE_WAIT_MS).
const TICK_OVERLAP_MS = 500;

const me = readIdentity(process.pid)!;

function options(folder: string, kind: LeaseHolder['kind'] = 'supervisor', isHolderAlive = holderAlive): AcquireLeaseOptions {
  return {
    lockPath: path.join(folder, 'supervisor.lock'),
    holderFile: path.join(folder, 'supervisor.json'),
    holder: { kind, pid: process.pid, pidStartTime: me.startTime, bootId: me.bootId, executorId: 'test' },
    isHolderAlive,
    onLost: (error) => { throw error; },
  };
}

function holderFile(folder: string): LeaseHolder {
  return JSON.parse(readFileSync(path.join(folder, 'supervisor.json'), 'utf8')) as LeaseHolder;
}

async function refusal(promise: Promise<HeldLease>): Promise<LeaseHeldError> {
  const error = await promise.then(async (lease) => {
    await lease.release();
    return new Error('expected the lease to be refused, but it was taken');
  }, (e: unknown) => e);
  expect(error).toBeInstanceOf(LeaseHeldError);
  return error as LeaseHeldError;
}

describe('acquireLease in one process', () => {
  it('writes supervisor.json; a second acquire is refused naming this pid; release lets it be taken again', async () => {
    const folder = kit.tmpDir();
    const lease = await acquireLease(folder, options(folder));
    expect(existsSync(path.join(folder, 'supervisor.lock'))).toBe(true);
    expect(holderFile(folder)).toEqual({
      kind: 'supervisor', pid: process.pid, pidStartTime: me.startTime, bootId: me.bootId, executorId: 'test', hostname: hostname(), since: expect.any(String),
    });

    const error = await refusal(acquireLease(folder, options(folder)));
    expect(error).toMatchObject({ code: 'ERR_LEASE_HELD', holderPid: process.pid });
    expect(error.message).toContain(`pid ${process.pid}`);
    expect(error.message).toContain(folder);

    await lease.release();
    expect(existsSync(path.join(folder, 'supervisor.lock'))).toBe(false);
    expect(existsSync(path.join(folder, 'supervisor.json'))).toBe(false);
    const again = await acquireLease(folder, options(folder));
    expect(holderFile(folder).pid).toBe(process.pid);
    await again.release();
    await again.release(); // idempotent
  });

  it('refuses with an unknown holder when the lock is held but nobody writes supervisor.json', async () => {
    const folder = kit.tmpDir();
    mkdirSync(path.join(folder, 'supervisor.lock'));
    const error = await refusal(acquireLease(folder, options(folder)));
    expect(error.holderPid).toBeNull();
    expect(error.message).toContain('pid unknown');
  });

  it('a supervisor waits for a one-off tick holder to let go instead of being refused', async () => {
    const folder = kit.tmpDir();
    const tick = await acquireLease(folder, options(folder, 'tick'));
    let settled = false;
    const supervisor = acquireLease(folder, options(folder, 'supervisor'));
    void supervisor.then(() => { settled = true; }, () => { settled = true; });
    // While the tick holds on, the supervisor keeps trying rather than being refused.
    const early = await waitUntil(() => settled, { timeoutMs: TICK_OVERLAP_MS, what: 'the supervisor to settle' }).then(() => 'settled', () => 'waiting');
    expect(early).toBe('waiting');
    await tick.release();
    const lease = await supervisor;
    expect(holderFile(folder).kind).toBe('supervisor');
    await lease.release();
  });

  it(`a supervisor is refused once a tick holds on for longer than TICK_LEASE_WAIT_MS (${TICK_LEASE_WAIT_MS} ms)`, async () => {
    const folder = kit.tmpDir();
    const tick = await acquireLease(folder, options(folder, 'tick'));
    try {
      expect(await refusal(acquireLease(folder, options(folder, 'supervisor')))).toMatchObject({ holderPid: process.pid });
      // A tick never waits for another tick.
      expect(await refusal(acquireLease(folder, options(folder, 'tick')))).toMatchObject({ holderPid: process.pid });
    } finally {
      await tick.release();
    }
  });
});

describe('acquireLease across processes', () => {
  it('takes over from a holder process that was SIGKILLed, through the dead-holder path', async () => {
    const folder = kit.tmpDir();
    const holder = kit.child(['lease', folder]);
    await holder.line((l) => l.held === holder.child.pid);
    expect(holderFile(folder).pid).toBe(holder.child.pid);
    await refusal(acquireLease(folder, options(folder)));

    holder.child.kill('SIGKILL');
    expect(await holder.exited).toBe('SIGKILL');
    // Each attempt records whether it judged the holder dead; the winning attempt must have (not a 10 s stale takeover).
    let judgedDead = false;
    const check = (h: LeaseHolder): boolean => {
      const alive = holderAlive(h);
      if (!alive) judgedDead = true;
      return alive;
    };
    const lease = await waitUntil(async () => {
      judgedDead = false;
      try {
        return await acquireLease(folder, options(folder, 'supervisor', check));
      } catch (error) {
        expect(error).toBeInstanceOf(LeaseHeldError);
        expect((error as LeaseHeldError).holderPid).toBe(holder.child.pid);
        return null;
      }
    }, { timeoutMs: TAKEOVER_DEADLINE_MS, intervalMs: 100, what: 'the lease of a dead holder to be taken over' });
    try {
      expect(judgedDead).toBe(true);
      expect(holderFile(folder).pid).toBe(process.pid);
    } finally {
      await lease.release();
    }
  });

  it('never takes the lease from a live holder in another process', async () => {
    const folder = kit.tmpDir();
    const holder = kit.child(['lease', folder]);
    await holder.line((l) => l.held === holder.child.pid);
    let attempts = 0;
    const outcome = await waitUntil(async () => {
      attempts++;
      const error = await refusal(acquireLease(folder, options(folder)));
      expect(error.holderPid).toBe(holder.child.pid);
      return false;
    }, { timeoutMs: LIVE_HOLDER_CHECK_MS, intervalMs: 100, what: 'a takeover that must not happen' }).then(() => 'taken', (e: Error) => e.message);
    expect(outcome).toMatch(/^Timed out after/);
    expect(attempts).toBeGreaterThan(1);
    expect(holderFile(folder).pid).toBe(holder.child.pid);
    expect(holder.lines.filter((l) => 'lost' in l)).toEqual([]);
    expect(holder.child.exitCode).toBeNull();
  });
});
