// runTask / waitRun: one extra run now, whatever the schedule; its trigger date, args and env; typed errors.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidTriggerError, RunNotFoundError, TaskNotFoundError, WaitTimeoutError, type Executor, type SupervisorHandle } from '../../src/index.js';
import { FIXTURES, nextEvent, snapshotFolder, useExecutors } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';

const kit = useExecutors();
const HOLD = 'i3-manual-hold.js';
const T0 = Date.parse('2030-01-01T00:00:30Z');

// Supervisors started by a test are stopped before useExecutors' cleanup (hooks run in reverse order).
const handles: SupervisorHandle[] = [];
afterEach(async () => {
  for (const h of handles.splice(0)) await h.stop();
});

interface Report { runId: string; trigger: string; kind: string; args: string[]; foo: string | null; bar: string | null }

/** A temp folder with an Executor and a folder the fixture writes its per-run reports to. */
function setup(options?: Parameters<typeof kit.make>[0]) {
  const { ex, dir } = kit.make(options);
  const token = (name: string) => path.join(dir, `${name}.token`);
  return {
    ex, dir, folder: ex.folder, token,
    env: (name: string, extra: Record<string, string | number> = {}) => ({ REPORT_DIR: dir, TOKEN_FILE: token(name), ...extra }),
    release: (name: string) => writeFileSync(token(name), ''),
    report: (runId: string): Report => JSON.parse(readFileSync(path.join(dir, `${runId}.json`), 'utf8')) as Report,
  };
}

async function row(ex: Executor, name: string) {
  return (await ex.listTasks()).find((r) => r.name === name)!;
}

describe('runTask + waitRun', () => {
  it('runs once now and waitRun resolves with the run record (manual, exit code, output file)', async () => {
    const { ex, dir, folder, report } = setup();
    await ex.addTask('job', HOLD, { wd: FIXTURES, infiniteLoop: false, env: { REPORT_DIR: dir, EXIT_CODE: 2 } });
    const runId = await ex.runTask('job');
    expect(typeof runId).toBe('string');
    const run = await ex.waitRun(runId);
    expect(run).toMatchObject({
      runId, task: 'job', trigger: 'manual', exitCode: 2, signal: null, timedOut: false, queuedAt: null, triggerTime: null, stopped: false,
    });
    expect(run.endedAt).not.toBeNull();
    expect(readFileSync(path.join(folder, run.outputFile), 'utf8')).toContain(`"runId":"${runId}"`);
    // Without a trigger date the script gets the start time.
    expect(report(runId)).toMatchObject({ trigger: run.startedAt, kind: 'manual' });
    // Waiting again on an ended run gives the same record.
    expect(await ex.waitRun(runId)).toEqual(run);
  });

  it('a trigger date reaches the script as EXECUTOR_TRIGGER (ISO UTC) and is recorded as triggerTime', async () => {
    const { ex, dir, report } = setup();
    await ex.addTask('ny', HOLD, { wd: FIXTURES, infiniteLoop: false, timezone: 'America/New_York', env: { REPORT_DIR: dir } });
    const cases: [string | Date, string][] = [
      ['2019-01-01/08:00:00', '2019-01-01T13:00:00.000Z'], // runner's format, wall clock in New York (EST)
      ['2019-07-01T08:00:00', '2019-07-01T12:00:00.000Z'], // ISO wall clock, EDT
      ['2019-01-01T08:00:00Z', '2019-01-01T08:00:00.000Z'], // absolute: the zone does not apply
      [new Date('2020-02-29T23:59:59.000Z'), '2020-02-29T23:59:59.000Z'],
    ];
    for (const [trigger, iso] of cases) {
      const run = await ex.waitRun(await ex.runTask('ny', { trigger }));
      expect(run, String(trigger)).toMatchObject({ trigger: 'manual', triggerTime: iso, exitCode: 0 });
      expect(report(run.runId)).toMatchObject({ trigger: iso, kind: 'manual' });
    }
  });

  it('args and env apply to that run only; the next runs use the task\'s', async () => {
    const { ex, env, report, release } = setup();
    await ex.addTask('job', HOLD, { wd: FIXTURES, args: ['task-arg'], env: { ...env('job'), FOO: 'task-foo', BAR: 'task-bar' } });
    release('job');
    const special = await ex.waitRun(await ex.runTask('job', { args: ['one', 2], env: { FOO: 'run-foo' } }));
    expect(report(special.runId)).toMatchObject({ args: ['one', '2'], foo: 'run-foo', bar: 'task-bar' });
    release('job');
    const plain = await ex.waitRun(await ex.runTask('job'));
    expect(report(plain.runId)).toMatchObject({ args: ['task-arg'], foo: 'task-foo', bar: 'task-bar' });
    const started = nextEvent(ex, 'start', (e) => e.name === 'job');
    release('job');
    await ex.startTask('job');
    const normal = await ex.waitRun((await started).runId);
    expect(report(normal.runId)).toMatchObject({ args: ['task-arg'], foo: 'task-foo' });
  });

  it('runs a second process next to a live run of an infiniteLoop task', async () => {
    const { ex, env, release, token } = setup();
    await ex.addTask('loop', HOLD, { wd: FIXTURES, env: env('loop') });
    const main = await ex.startTask('loop');
    const extraStart = nextEvent(ex, 'start', (e) => e.name === 'loop');
    const runId = await ex.runTask('loop', { env: { TOKEN_FILE: token('extra') } });
    const extra = await extraStart;
    expect(extra).toMatchObject({ runId, trigger: 'manual' });
    expect(extra.pid).not.toBe(main.pid);
    expect(pidAlive(main.pid!) && pidAlive(extra.pid)).toBe(true);
    expect(await row(ex, 'loop')).toMatchObject({ status: 'running', pid: main.pid, runs: 2 });
    await expect(ex.waitRun(runId, { timeout: 200 })).rejects.toBeInstanceOf(WaitTimeoutError);
    release('extra');
    expect(await ex.waitRun(runId)).toMatchObject({ runId, trigger: 'manual', exitCode: 0 });
    expect(pidAlive(main.pid!)).toBe(true);
    expect(await row(ex, 'loop')).toMatchObject({ status: 'running', pid: main.pid, runs: 1 });
  });

  it('runs a periodic task now and leaves its schedule as it was', async () => {
    const clock = T0;
    const { ex, dir } = setup({ now: () => clock });
    await ex.addTask('P', HOLD, { wd: FIXTURES, infiniteLoop: false, period: '1 min', env: { REPORT_DIR: dir } });
    expect(await ex.startTask('P')).toMatchObject({ result: 'scheduled' });
    const before = await ex.nextRuns('P', 3);
    const run = await ex.waitRun(await ex.runTask('P', { trigger: '2019-01-01/08:00:00Z' }));
    expect(run).toMatchObject({ trigger: 'manual', scheduledFor: null, exitCode: 0 });
    expect(await row(ex, 'P')).toMatchObject({ status: 'scheduled', runs: 0 });
    expect(await ex.nextRuns('P', 3)).toEqual(before);
    expect((await ex.tick()).fired).toEqual([]);
  });

  it('runs a periodic task that was never started without starting its schedule (one run)', async () => {
    let clock = T0;
    const { ex } = setup({ now: () => clock });
    await ex.addTask('P', HOLD, { wd: FIXTURES, infiniteLoop: false, period: '1 min' });
    expect((await ex.waitRun(await ex.runTask('P'))).exitCode).toBe(0);
    clock += 5 * 60_000;
    const tick = await ex.tick();
    expect(tick.fired).toEqual([]);
    expect(await row(ex, 'P')).toMatchObject({ status: 'idle', nextRun: null, runs: 0 });
  });

  it('runs a disabled task, which stays disabled', async () => {
    const { ex } = setup();
    await ex.addTask('off', HOLD, { wd: FIXTURES, infiniteLoop: false });
    await ex.disableTask('off');
    const run = await ex.waitRun(await ex.runTask('off'));
    expect(run).toMatchObject({ trigger: 'manual', exitCode: 0 });
    expect(await row(ex, 'off')).toMatchObject({ enabled: false, runs: 0 });
  });

  it('a one-off run of a never-started infiniteLoop task is not restarted by a supervisor', async () => {
    const { ex } = setup();
    await ex.addTask('loop', HOLD, { wd: FIXTURES }); // exits at once (no token, barrier or hold)
    const handle = ex.keepRestarting({ sleep: 1 });
    handles.push(handle);
    const starts: string[] = [];
    ex.on('start', (e) => starts.push(e.runId));
    const runId = await ex.runTask('loop');
    expect((await ex.waitRun(runId)).exitCode).toBe(0);
    const tick = await ex.tick(); // a full supervised pass after the exit
    expect(tick.restarted).toEqual([]);
    expect(starts).toEqual([runId]);
    expect(await row(ex, 'loop')).toMatchObject({ status: 'idle', runs: 0, restarts: 0 });
  });
  it('startTask during a one-off run of a never-started infiniteLoop task still starts the loop', async () => {
    const { ex, env, release } = setup();
    await ex.addTask('loop', HOLD, { wd: FIXTURES, env: env('loop') });
    const oneOff = await ex.runTask('loop');
    await ex.startTask('loop'); // the user now wants the loop supervised
    release('loop');
    await ex.waitRun(oneOff);
    await waitUntil(async () => {
      await ex.tick();
      return (await row(ex, 'loop')).runs === 1;
    }, { timeoutMs: 3000, what: 'the started loop to have a live run' });
    expect(await row(ex, 'loop')).toMatchObject({ status: 'running' });
  });
});

describe('runTask / waitRun errors', () => {
  it('waitRun of an unknown run id rejects with RunNotFoundError', async () => {
    const { ex } = setup();
    await ex.addTask('job', HOLD, { wd: FIXTURES, infiniteLoop: false });
    const error = await ex.waitRun('20190101-080000-000-abcdef').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunNotFoundError);
    expect(error).toMatchObject({ code: 'ERR_RUN_NOT_FOUND', runId: '20190101-080000-000-abcdef' });
  });

  it('waitRun with a timeout rejects with WaitTimeoutError while the run goes on', async () => {
    const { ex, env, release } = setup();
    await ex.addTask('job', HOLD, { wd: FIXTURES, infiniteLoop: false, env: env('job') });
    const runId = await ex.runTask('job');
    const error = await ex.waitRun(runId, { timeout: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ code: 'ERR_WAIT_TIMEOUT' });
    release('job');
    expect(await ex.waitRun(runId)).toMatchObject({ runId, exitCode: 0 });
  });

  it('a bad trigger date rejects with ERR_INVALID_TRIGGER and writes nothing', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', HOLD, { wd: FIXTURES, infiniteLoop: false });
    const before = snapshotFolder(folder);
    const starts: string[] = [];
    ex.on('start', (e) => starts.push(e.runId));
    for (const trigger of ['yesterday', '', '2019-02-30/08:00:00', '2019-01-01/25:00:00', '2019-13-01', NaN, new Date('x'), {}] as unknown[]) {
      const error = await ex.runTask('job', { trigger: trigger as string }).catch((e: unknown) => e);
      expect(error, String(trigger)).toBeInstanceOf(InvalidTriggerError);
      expect(error).toMatchObject({ code: 'ERR_INVALID_TRIGGER' });
    }
    expect(starts).toEqual([]);
    expect(snapshotFolder(folder)).toEqual(before);
  });

  it('runTask of an unknown task rejects with TaskNotFoundError and writes nothing', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', HOLD, { wd: FIXTURES, infiniteLoop: false });
    const before = snapshotFolder(folder);
    await expect(ex.runTask('nope')).rejects.toBeInstanceOf(TaskNotFoundError);
    await expect(ex.runTask('nope', { trigger: '2019-01-01/08:00:00' })).rejects.toMatchObject({ code: 'ERR_TASK_NOT_FOUND' });
    expect(snapshotFolder(folder)).toEqual(before);
  });
});
