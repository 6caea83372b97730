// Review fixes, on an injected clock: one-off runs never turn a schedule on; a queued run that cannot start does not
// block other launches; `replace` on a running schedule and a future `start` keep history out; runTasks checks
// every line and its options before running any.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ScriptNotFoundError, type Executor, type ExecutorOptions, type StartEvent } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';
import { attach, clocked, HOLD, HOUR, iso, OK, type Clock, type Clocked } from './sched-kit.js';

const kit = useExecutors();
const T0 = Date.parse('2030-01-01T10:00:30Z');
const DAY_START = new Date('2030-01-01T00:00:00Z');
const at = (hhmmss: string) => Date.parse(`2030-01-01T${hhmmss}Z`);

async function row(ex: Executor, name: string) {
  return (await ex.listTasks()).find((r) => r.name === name)!;
}

/** As sched-kit's `attach`, with Executor options (e.g. `maxConcurrent`). */
function withOptions(folder: string, clock: Clock, options: ExecutorOptions): Clocked {
  if (Object.keys(options).length === 0) return attach(kit, folder, clock);
  const ex = kit.open(folder, { ...options, now: () => clock.t });
  const c: Clocked = {
    ex, folder: ex.folder, clock, schedules: [], skips: [], starts: [], exits: [], queues: [],
    maxLive: () => { throw new Error('not tracked'); },
    at: async (t) => { clock.t = t; return ex.tick(); },
    settle: () => waitUntil(() => c.exits.length >= c.starts.length, { timeoutMs: 15_000, what: 'every run to exit' }).then(() => undefined),
  };
  ex.on('schedule', (e) => c.schedules.push(e));
  ex.on('skip', (e) => c.skips.push(e));
  ex.on('queue', (e) => c.queues.push(e));
  ex.on('start', (e) => c.starts.push(e));
  ex.on('exit', (e) => c.exits.push(e));
  return c;
}

/** A clocked Executor (on a fresh folder) and a folder its HOLD runs wait in: `release(runId)` ends that run. */
function holdSetup(t0: number, options: ExecutorOptions = {}) {
  const dir = kit.tmpDir();
  const c = withOptions(path.join(dir, 'exec'), { t: t0 }, options);
  const release = async (runId: string) => {
    writeFileSync(path.join(dir, runId), '');
    await waitUntil(() => c.exits.some((e) => e.runId === runId), { timeoutMs: 15_000, what: `run ${runId} to exit` });
  };
  return { c, env: { HOLD_DIR: dir }, release };
}

describe('one-off runs never turn a schedule on', () => {
  it.each([['never started', false], ['stopped', true]] as const)('runTask on a %s periodic task: nothing is scheduled during or after the run', async (_label, startThenStop) => {
    const { c, env, release } = holdSetup(T0);
    await c.ex.addTask('p', HOLD, { period: '1 min', start: DAY_START, overlap: 'allow', env });
    if (startThenStop) {
      await c.ex.startTask('p');
      await c.ex.stopTask('p');
    }
    const before = (await row(c.ex, 'p')).status;
    const runId = await c.ex.runTask('p');
    expect(await row(c.ex, 'p')).toMatchObject({ status: 'running', nextRun: null });
    for (const t of [at('10:01:00'), at('10:02:00'), at('10:03:00')]) {
      expect(await c.at(t)).toMatchObject({ fired: [], skipped: [], queued: [] });
    }
    await release(runId);
    expect(await row(c.ex, 'p')).toMatchObject({ status: before, nextRun: null });
    expect(await c.at(at('10:04:00'))).toMatchObject({ fired: [], skipped: [], queued: [] });
    expect(c.starts.map((e) => [e.runId, e.trigger])).toEqual([[runId, 'manual']]);
    expect([c.schedules, c.skips, c.queues]).toEqual([[], [], []]);
  });
});

describe('maxConcurrent with overlap: allow', () => {
  it('a queued scheduled run waiting for its task\'s main run does not hold back other launches', async () => {
    const { c, env, release } = holdSetup(T0, { maxConcurrent: 2 });
    await c.ex.addTask('A', HOLD, { period: '1 min', start: DAY_START, overlap: 'allow', env });
    await c.ex.addTask('B', HOLD, { infiniteLoop: false, env });
    await c.ex.addTask('C', HOLD, { infiniteLoop: false, env });
    await c.ex.startTask('A');
    expect((await c.at(at('10:01:00'))).fired).toEqual(['A']);
    const first = c.starts.find((e) => e.name === 'A')!;
    expect((await c.ex.startTask('B')).result).toBe('started');
    expect((await c.at(at('10:02:00'))).queued).toEqual(['A']); // two live: the 10:02 slot waits for a slot
    const queued = c.queues.find((q) => q.name === 'A')!;
    expect(queued).toMatchObject({ reason: 'concurrency', scheduledFor: iso(at('10:02:00')) });

    await c.ex.stopTask('B');
    await c.at(at('10:02:05'));
    // A's queued run waits for A's live main run (documented); the free slot is not reserved for it.
    expect(await row(c.ex, 'A')).toMatchObject({ runs: 1, queued: 1 });
    expect((await c.ex.startTask('C')).result).toBe('started');
    expect(await row(c.ex, 'C')).toMatchObject({ status: 'running', runs: 1, queued: 0 });

    // Once A's main run ends, its queued run takes the slot.
    await release(first.runId);
    await c.at(at('10:02:10'));
    await waitUntil(() => c.starts.some((e) => e.runId === queued.runId), { what: 'A\'s queued run to start' });
    expect(c.schedules.find((e) => e.runId === queued.runId)).toMatchObject({ scheduledFor: iso(at('10:02:00')) });
    expect(await row(c.ex, 'A')).toMatchObject({ runs: 1, queued: 0 });
  });
});

describe('addTask replace on a running schedule', () => {
  it('the new schedule starts from the next slot: no catch-up of the slots before the replace', async () => {
    const { c, env, release } = holdSetup(at('09:59:00'));
    await c.ex.addTask('r', HOLD, { cron: '0 * * * *', catchUp: 'all', env });
    await c.ex.startTask('r');
    expect((await c.at(at('10:00:00'))).fired).toEqual(['r']);
    const live = c.starts[0]!;

    c.clock.t = at('10:30:00');
    await c.ex.addTask('r', HOLD, { cron: '*/5 * * * *', catchUp: 'all', env, replace: true });
    expect(await c.ex.nextRuns('r', 2)).toEqual([iso(at('10:35:00')), iso(at('10:40:00'))]);
    expect(await c.at(at('10:30:01'))).toMatchObject({ fired: [], skipped: [], queued: [] });
    expect([c.skips, c.queues]).toEqual([[], []]);

    await release(live.runId);
    expect(await c.at(at('10:34:59'))).toMatchObject({ fired: [], skipped: [], queued: [] });
    expect((await c.at(at('10:35:00'))).fired).toEqual(['r']);
    await release(c.starts[1]!.runId);
    expect(c.schedules.map((e) => [e.scheduledFor, e.trigger])).toEqual([
      [iso(at('10:00:00')), 'schedule'], [iso(at('10:35:00')), 'schedule'],
    ]);
    expect([c.skips, c.queues]).toEqual([[], []]);
  });
});

describe('a periodic task whose start is in the future', () => {
  const FIRST = at('11:00:00');
  const add = (c: Clocked, catchUp: 'one' | 'all') =>
    c.ex.addTask('f', OK, { period: '1 hour', start: new Date(FIRST), catchUp, infiniteLoop: false });

  it('fires its first slot on time', async () => {
    const c = clocked(kit, at('10:00:00'));
    await add(c, 'one');
    await c.ex.startTask('f');
    expect(await c.ex.nextRuns('f', 2)).toEqual([iso(FIRST), iso(FIRST + HOUR)]);
    expect(await row(c.ex, 'f')).toMatchObject({ status: 'scheduled', nextRun: iso(FIRST) });
    expect(await c.at(FIRST - 1)).toMatchObject({ fired: [], skipped: [] });
    expect((await c.at(FIRST)).fired).toEqual(['f']);
    await c.settle();
    expect(c.schedules.map((e) => [e.scheduledFor, e.trigger])).toEqual([[iso(FIRST), 'schedule']]);
    expect(c.skips).toEqual([]);
  });

  it('catches its first slot up after supervisor downtime (catchUp one)', async () => {
    const c = clocked(kit, at('10:00:00'));
    await add(c, 'one');
    await c.ex.startTask('f');
    // Nobody supervised from 10:00 to 11:30: a second Executor on the folder ticks then.
    const later = attach(kit, c.folder, c.clock);
    const report = await later.at(at('11:30:00'));
    expect(report).toMatchObject({ fired: ['f'], skipped: [] });
    await later.settle();
    expect(later.schedules.map((e) => [e.scheduledFor, e.trigger])).toEqual([[iso(FIRST), 'catch-up']]);
    expect(await row(later.ex, 'f')).toMatchObject({ nextRun: iso(FIRST + HOUR) });
  });

  it('catches up every missed slot from the first one on (catchUp all)', async () => {
    const c = clocked(kit, at('10:00:00'));
    await add(c, 'all');
    await c.ex.startTask('f');
    const later = attach(kit, c.folder, c.clock);
    expect(await later.at(at('13:30:00'))).toMatchObject({ fired: ['f'], queued: ['f'] });
    expect(later.schedules.map((e) => [e.scheduledFor, e.trigger])).toEqual([[iso(FIRST), 'catch-up']]);
    expect(later.queues.map((q) => [q.reason, q.scheduledFor])).toEqual([
      ['catch-up', iso(FIRST + HOUR)], ['catch-up', iso(FIRST + 2 * HOUR)],
    ]);
    expect(later.skips).toEqual([]);
    await later.settle();
  });
});

describe('runTasks checks everything before running anything', () => {
  function setup() {
    const { ex, dir } = kit.make();
    const starts: StartEvent[] = [];
    ex.on('start', (e) => starts.push(e));
    const ledgers = (name: string) => {
      try { return readdirSync(path.join(ex.folder, 'runs', name)).filter((f) => f.endsWith('.json')); } catch { return []; }
    };
    return { ex, dir, starts, ledgers };
  }

  it('a later line whose script is gone rejects the call before the earlier lines run', async () => {
    const { ex, dir, starts, ledgers } = setup();
    const gone = path.join(dir, 'gone.js');
    writeFileSync(gone, 'console.log(1);\n');
    await ex.addTask('ok', OK, { infiniteLoop: false });
    await ex.addTask('bad', gone, { infiniteLoop: false });
    rmSync(gone);
    await expect(ex.runTasks('ok\nok 2019-01-01/08:00:00\nbad')).rejects.toBeInstanceOf(ScriptNotFoundError);
    expect(starts).toEqual([]);
    expect(ledgers('ok')).toEqual([]);
    expect(await row(ex, 'ok')).toMatchObject({ status: 'idle', lastStartedAt: null });
  });

  it('unknown options and a non-object are refused before any run', async () => {
    const { ex, starts, ledgers } = setup();
    await ex.addTask('ok', OK, { infiniteLoop: false });
    await expect(ex.runTasks('ok', { concurrency: 1, bogus: true } as never)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(ex.runTasks('ok', 'not-an-object' as never)).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(ex.runTasks('ok', [] as never)).rejects.toBeInstanceOf(InvalidOptionError);
    expect(starts).toEqual([]);
    expect(ledgers('ok')).toEqual([]);
    // Valid options still work.
    const [run] = await ex.runTasks('ok', { concurrency: 2 });
    expect(run).toMatchObject({ task: 'ok', exitCode: 0 });
  });
});
