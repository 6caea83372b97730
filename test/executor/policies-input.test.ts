// Policy options are persisted in tasks/<name>.json with their defaults, and bad cron / timezone / policy / jitter /
// maxCatchUp input is a typed error that writes nothing (also over an existing task with `replace: true`).
import { describe, expect, it } from 'vitest';
import { ExecutorError, type AddTaskOptions } from '../../src/index.js';
import { snapshotFolder, useExecutors } from '../helpers/executor.js';
import { clocked, OK, taskFile } from './sched-kit.js';

const kit = useExecutors();
const T0 = Date.parse('2026-05-04T10:00:00Z');

const BAD: [string, Record<string, unknown>, string][] = [
  ...['61 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '* * * * 8', '* * * *', '* * * * * * *', '', '   ', '*/0 * * * *', '5-1 * * * *',
    '0 0 30 2 *', '@daily', '0 9 * * MON', 'a b c d e', '1,,2 * * * *', '? * * * *', '60 * * * * *'].map((cron): [string, Record<string, unknown>, string] => [`cron ${JSON.stringify(cron)}`, { cron }, 'ERR_INVALID_CRON']),
  ['cron 42', { cron: 42 }, 'ERR_INVALID_CRON'],
  ['a bad timezone with cron', { cron: '0 * * * *', timezone: 'Mars/Olympus' }, 'ERR_INVALID_TIMEZONE'],
  ['a bad timezone with a period', { period: 'day', timezone: 'Europe/Nowhere' }, 'ERR_INVALID_TIMEZONE'],
  ['period and cron', { period: '1 min', cron: '* * * * *' }, 'ERR_CONFLICTING_OPTIONS'],
  ['start and cron', { start: '2026-01-01 00:00', cron: '* * * * *' }, 'ERR_CONFLICTING_OPTIONS'],
  ...['some', 'ALL', '', true].map((v): [string, Record<string, unknown>, string] => [`catchUp ${JSON.stringify(v)}`, { period: '1 min', catchUp: v }, 'ERR_INVALID_POLICY']),
  ...['kill', 'Skip', 0].map((v): [string, Record<string, unknown>, string] => [`overlap ${JSON.stringify(v)}`, { period: '1 min', overlap: v }, 'ERR_INVALID_POLICY']),
  ...[-1, -0.5, Number.NaN, Infinity, 'soon', '-5 sec', '1 month', '', null, {}].map((v): [string, Record<string, unknown>, string] => [`jitter ${String(v)}`, { period: '1 min', jitter: v }, 'ERR_INVALID_DURATION']),
];
const BAD_MAX_CATCH_UP = [0, -1, 1.5, '5', Number.NaN];

async function expectTyped(promise: Promise<unknown>, code: string | null, what: string): Promise<void> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error, what).toBeInstanceOf(ExecutorError);
  if (code !== null) expect((error as ExecutorError).code, what).toBe(code);
  expect((error as ExecutorError).message, what).toMatch(/^Expected `/);
}

describe('policy options', () => {
  it('are persisted in tasks/<name>.json, with defaults, and read back by another Executor', async () => {
    const c = clocked(kit, T0);
    await c.ex.addTask('plain', OK, { period: '1 min' });
    await c.ex.addTask('tuned', OK, { cron: '*/5 * * * *', timezone: 'Europe/Berlin', catchUp: 'all', maxCatchUp: 3, overlap: 'queue', jitter: '2 min' });
    await c.ex.addTask('ms', OK, { period: '1 hour', catchUp: 'none', overlap: 'replace', jitter: 1500 });
    expect(taskFile(c.folder, 'plain').task).toMatchObject({ period: '1 min', cron: null, catchUp: 'one', maxCatchUp: 10, overlap: 'skip', jitterMs: 0 });
    expect(taskFile(c.folder, 'plain').state.enabled).toBe(true);
    expect(taskFile(c.folder, 'tuned').task).toMatchObject({ period: null, cron: '*/5 * * * *', timezone: 'Europe/Berlin', catchUp: 'all', maxCatchUp: 3, overlap: 'queue', jitterMs: 120_000 });
    expect(taskFile(c.folder, 'ms').task).toMatchObject({ catchUp: 'none', overlap: 'replace', jitterMs: 1500 });
    const rows = await kit.open(c.folder).listTasks();
    expect(rows.map((r) => [r.name, r.cron, r.catchUp, r.overlap, r.jitterMs, r.enabled])).toEqual([
      ['ms', null, 'none', 'replace', 1500, true],
      ['plain', null, 'one', 'skip', 0, true],
      ['tuned', '*/5 * * * *', 'all', 'queue', 120_000, true],
    ]);
    // replace: true updates them.
    await c.ex.addTask('plain', OK, { cron: '0 * * * *', overlap: 'allow', replace: true });
    expect(taskFile(c.folder, 'plain').task).toMatchObject({ period: null, cron: '0 * * * *', overlap: 'allow', catchUp: 'one' });
  });

  it('accepts each documented cron form', async () => {
    const c = clocked(kit, T0);
    const forms = ['* * * * *', '*/15 * * * *', '0 9-17 * * 1-5', '0,15,30,45 * * * *', '10-50/20 8 1,15 1-6 0,7', '*/10 * * * * *', '0 0 12 * * *'];
    for (const [i, cron] of forms.entries()) {
      const row = await c.ex.addTask(`c${i}`, OK, { cron, timezone: 'UTC', infiniteLoop: false });
      expect(row.cron).toBe(cron);
      expect(await c.ex.nextRuns(`c${i}`, 2)).toHaveLength(2);
    }
  });

  it.each(BAD)('%s: typed error, nothing written', async (_what, options, code) => {
    const c = clocked(kit, T0);
    const before = snapshotFolder(c.folder);
    await expectTyped(c.ex.addTask('bad', OK, options as AddTaskOptions), code, JSON.stringify(options));
    expect(snapshotFolder(c.folder)).toEqual(before);
  });

  it('maxCatchUp 0 (or any non-positive-integer): typed error, nothing written', async () => {
    const c = clocked(kit, T0);
    const before = snapshotFolder(c.folder);
    for (const maxCatchUp of BAD_MAX_CATCH_UP) {
      await expectTyped(c.ex.addTask('bad', OK, { period: '1 min', catchUp: 'all', maxCatchUp } as AddTaskOptions), null, `maxCatchUp ${String(maxCatchUp)}`);
    }
    expect(snapshotFolder(c.folder)).toEqual(before);
  });

  it('bad input over an existing task with replace: true leaves it untouched', async () => {
    const c = clocked(kit, T0);
    await c.ex.addTask('keep', OK, { cron: '0 * * * *', timezone: 'UTC', infiniteLoop: false });
    await c.ex.startTask('keep');
    const before = snapshotFolder(c.folder);
    for (const [what, options, code] of [...BAD, ['maxCatchUp 0', { period: '1 min', maxCatchUp: 0 }, null] as const]) {
      await expectTyped(c.ex.addTask('keep', OK, { ...(options as AddTaskOptions), replace: true }), code, what);
    }
    expect(snapshotFolder(c.folder)).toEqual(before);
  });

  it('nextRuns / enableTask / disableTask reject bad arguments and unknown tasks, writing nothing', async () => {
    const c = clocked(kit, T0);
    await c.ex.addTask('p', OK, { period: '1 min' });
    const before = snapshotFolder(c.folder);
    for (const n of [-1, 1.5, Number.NaN, '3']) await expectTyped(c.ex.nextRuns('p', n as number), 'ERR_INVALID_OPTION', `n ${String(n)}`);
    await expectTyped(c.ex.nextRuns('nope'), 'ERR_TASK_NOT_FOUND', 'nextRuns of an unknown task');
    await expectTyped(c.ex.enableTask('nope'), 'ERR_TASK_NOT_FOUND', 'enableTask of an unknown task');
    await expectTyped(c.ex.disableTask('nope'), 'ERR_TASK_NOT_FOUND', 'disableTask of an unknown task');
    await expectTyped(c.ex.disableTask('bad name'), 'ERR_INVALID_TASK_NAME', 'disableTask of a bad name');
    expect(snapshotFolder(c.folder)).toEqual(before);
  });
});
