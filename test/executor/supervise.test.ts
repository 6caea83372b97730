// keepRestarting: crashed infinite loops restart on their exit event, with backoff, maxRestarts, and never undoing a stop.
import { describe, expect, it } from 'vitest';
import { collect, eventOf, ledger, superviseFixture, supervising, useFolders } from '../helpers/folder.js';
import { pidAlive } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const kit = useFolders();
const wd = superviseFixture('.');

describe('keepRestarting', () => {
  it('restarts a crashed infinite-loop task on its exit event, not after `sleep`', async () => {
    const folder = kit.folder();
    const ex = kit.open(folder);
    await ex.addTask('crashy', 'crash.js', { wd, env: { CRASH_AFTER_MS: 300 } });
    const starts = collect(ex, 'start');
    const handle = kit.supervise(ex, { sleep: 60 });
    await supervising(ex, handle);
    const exited = eventOf(ex, 'exit', (e) => e.name === 'crashy');
    const restarted = eventOf(ex, 'restart', (e) => e.name === 'crashy');
    await ex.startTask('crashy');
    const exit = await exited;
    expect(exit).toMatchObject({ exitCode: 1, signal: null, stopped: false, trigger: 'manual' });
    // Sanity bound far below the 60 s sleep: the restart came from the exit, not from a full re-read.
    const restart = await restarted;
    expect(restart.restarts).toBe(1);
    expect(starts.map((s) => s.trigger).slice(0, 2)).toEqual(['manual', 'restart']);
    const restartStart = starts.find((s) => s.trigger === 'restart')!;
    expect(restartStart.runId).toBe(restart.runId);
    expect(restartStart.pid).toBe(restart.pid);
    const row = (await ex.listTasks()).find((r) => r.name === 'crashy')!;
    expect(row.restarts).toBeGreaterThanOrEqual(1);
    expect(ledger(ex.folder, 'crashy').map((r) => r.trigger).slice(0, 2)).toEqual(['manual', 'restart']);
    expect((await ex.readLog()).some((l) => l.includes('Restarting crashy'))).toBe(true);
  });

  it('backs off after repeated fast crashes: `backoff` events with growing delays, status backoff, then restarts', async () => {
    const ex = kit.open(kit.folder());
    await ex.addTask('fast', 'crash.js', { wd });
    const backoffs = collect(ex, 'backoff');
    const restarts = collect(ex, 'restart');
    const handle = kit.supervise(ex, { sleep: 60 });
    await supervising(ex, handle);
    // Streak 4 waits 2 s ± 10 %: long enough to see the status.
    const long = eventOf(ex, 'backoff', (e) => e.name === 'fast' && e.delayMs >= 1_500, 30_000);
    await ex.startTask('fast');
    const event = await long;
    // The event is emitted under the task lock, just before the record is written: waitFor sees the write.
    const row = await ex.waitFor('fast', 'backoff', { timeout: T(1_500) });
    expect(row.status).toBe('backoff');
    expect(row.backoffUntil).toBe(event.until);
    expect(Date.parse(event.until)).toBeGreaterThan(Date.now() - 1_000);
    expect(backoffs.length).toBeGreaterThanOrEqual(2);
    expect(backoffs.every((b) => b.delayMs > 0 && b.name === 'fast')).toBe(true);
    for (let i = 1; i < backoffs.length; i++) expect(backoffs[i]!.delayMs).toBeGreaterThan(backoffs[i - 1]!.delayMs);
    expect(backoffs[0]!.failStreak).toBe(2);
    // The first restart of a streak is immediate: it came before any backoff.
    expect(restarts.length).toBeGreaterThanOrEqual(1);
    const before = restarts.length;
    const after = await eventOf(ex, 'restart', (e) => e.name === 'fast', 20_000);
    expect(after.restarts).toBe(before + 1);
    expect((await ex.readLog()).some((l) => l.includes('Restart policy for fast') && l.includes('fast failure'))).toBe(true);
  });

  it('never undoes a user stopTask of a running loop', async () => {
    const ex = kit.open(kit.folder());
    await ex.addTask('keep', 'loop.js', { wd });
    await ex.addTask('witness', 'crash.js', { wd, env: { CRASH_AFTER_MS: 200 } });
    const handle = kit.supervise(ex, { sleep: 1 });
    await supervising(ex, handle);
    const started = await ex.startTask('keep');
    expect(started.result).toBe('started');
    const stop = await ex.stopTask('keep');
    expect(stop).toMatchObject({ result: 'stopped', pid: started.pid });
    expect(pidAlive(started.pid!)).toBe(false);
    const keepStarts = collect(ex, 'start');
    // Let the supervisor pass over the table several times: the witness restarts twice, full re-reads happen every second.
    await ex.startTask('witness');
    await eventOf(ex, 'restart', (e) => e.name === 'witness' && e.restarts >= 2, 20_000);
    await ex.tick();
    expect(keepStarts.filter((s) => s.name === 'keep')).toEqual([]);
    const row = (await ex.listTasks()).find((r) => r.name === 'keep')!;
    expect(row).toMatchObject({ status: 'stopped', pid: null, restarts: 0 });
    expect(ledger(ex.folder, 'keep')).toHaveLength(1);
  });

  it('never undoes a stopTask issued while the task waits in backoff', async () => {
    const ex = kit.open(kit.folder());
    await ex.addTask('fast', 'crash.js', { wd });
    await ex.addTask('witness', 'crash.js', { wd, env: { CRASH_AFTER_MS: 200 } });
    const handle = kit.supervise(ex, { sleep: 1 });
    await supervising(ex, handle);
    const backoff = eventOf(ex, 'backoff', (e) => e.name === 'fast' && e.delayMs >= 900, 30_000);
    await ex.startTask('fast');
    const event = await backoff;
    expect((await ex.stopTask('fast')).result).toBe('not running');
    const runs = ledger(ex.folder, 'fast').length;
    const fastStarts = collect(ex, 'start');
    await ex.startTask('witness');
    // Wait for witness restarts well after fast's backoff deadline, then give the supervisor one more pass.
    const margin = 500;
    await eventOf(ex, 'restart', (e) => e.name === 'witness' && e.restarts >= 2 && Date.now() > Date.parse(event.until) + margin, 20_000);
    await ex.tick();
    expect(fastStarts.filter((s) => s.name === 'fast')).toEqual([]);
    expect(ledger(ex.folder, 'fast')).toHaveLength(runs);
    expect((await ex.listTasks()).find((r) => r.name === 'fast')).toMatchObject({ status: 'stopped', backoffUntil: null });
  });

  it('gives up after maxRestarts restarts in the hour, with a warning', async () => {
    const ex = kit.open(kit.folder());
    await ex.addTask('doomed', 'crash.js', { wd, maxRestarts: 2 });
    const starts = collect(ex, 'start');
    const handle = kit.supervise(ex, { sleep: 1 });
    await supervising(ex, handle);
    const gaveUp = eventOf(ex, 'warning', (w) => w.name === 'doomed' && w.message.includes('Giving up'), 20_000);
    await ex.startTask('doomed');
    await gaveUp;
    await ex.tick();
    const row = (await ex.listTasks()).find((r) => r.name === 'doomed')!;
    expect(row).toMatchObject({ restarts: 2, status: 'failed', lastExitCode: 1, pid: null });
    expect(starts.filter((s) => s.name === 'doomed').map((s) => s.trigger)).toEqual(['manual', 'restart', 'restart']);
    expect(ledger(ex.folder, 'doomed')).toHaveLength(3);
    expect((await ex.readLog()).some((l) => l.includes('Giving up on doomed'))).toBe(true);
    // A user start clears the give-up.
    expect((await ex.startTask('doomed')).result).toBe('started');
  });
});
