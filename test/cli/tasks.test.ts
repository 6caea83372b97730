// `executor ls|list`, `enable`, `disable` as a subprocess: the table, --json rows, --tag, colour rules, unknown tasks.
import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import type { TaskRow } from '../../src/task/rows.js';
import { clusterEnvOf, useCli } from '../helpers/cli.js';
import { pidAlive } from '../helpers/wait.js';
import { ANSI, TASKS_DIR, expectError, inBatches, jsonOf, linesOf, runInTty, shown } from '../fixtures/cli/tasks/kit.js';

const cli = useCli();

const HEADERS = ['NAME', 'STATUS', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT', 'NEXT RUN', 'CPU', 'MEM'];

/** A folder with `web` (running, tag web), `job` (idle, tags nightly and web) and `tick` (scheduled every hour). */
async function threeTasks(): Promise<{ folder: string; ex: Executor; pid: number }> {
  const { folder } = cli.folder();
  const ex = cli.kit.open(folder);
  await ex.addTask('web', 'idle.js', { wd: TASKS_DIR, tags: ['web'] });
  await ex.addTask('job', 'idle.js', { wd: TASKS_DIR, tags: ['nightly', 'web'], infiniteLoop: false });
  await ex.addTask('tick', 'idle.js', { wd: TASKS_DIR, period: '1 hour' });
  const started = await ex.startTask('web');
  await ex.startTask('tick');
  expect(started.pid).toEqual(expect.any(Number));
  return { folder, ex, pid: started.pid! };
}

describe('ls', () => {
  it('prints the table: the header words, then one row per task', async () => {
    const { folder, pid } = await threeTasks();
    const ls = await cli.run(folder, ['ls']);
    const lines = linesOf(ls);
    expect(ls.stderr).toBe('');
    expect(ls.stdout.includes(ANSI), 'no colour with NO_COLOR=1 (the helper sets it)').toBe(false);
    expect(lines).toHaveLength(4);
    const header = lines[0]!;
    let at = -1;
    for (const word of HEADERS) {
      const next = header.indexOf(word, at + 1);
      expect(next, `${word} after position ${at} in ${header}`).toBeGreaterThan(at);
      at = next;
    }
    const rows = Object.fromEntries(lines.slice(1).map((l) => [l.split(/\s+/)[0]!, l.split(/\s{2,}/)]));
    expect(Object.keys(rows).sort()).toEqual(['job', 'tick', 'web']);
    expect(rows.web?.slice(0, 3)).toEqual(['web', 'running', String(pid)]);
    expect(rows.job?.slice(0, 3)).toEqual(['job', 'idle', '-']);
    expect(rows.tick?.slice(0, 3)).toEqual(['tick', 'scheduled', '-']);
    expect(rows.tick?.[6]).toMatch(/\(in /); // NEXT RUN
    expect(lines.every((l) => l === l.trimEnd())).toBe(true);
  });

  it('--json prints the listTasks() rows; a running task has its pid and memory', async () => {
    const { folder, ex, pid } = await threeTasks();
    const rows = jsonOf<TaskRow[]>(await cli.run(folder, ['ls', '--json']));
    const sdk = await ex.listTasks();
    expect(rows.map((r) => r.name)).toEqual(sdk.map((r) => r.name));
    for (const row of rows) expect(Object.keys(row).sort()).toEqual(Object.keys(sdk[0]!).sort());
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName.web).toMatchObject({
      name: 'web', script: 'idle.js', wd: TASKS_DIR, status: 'running', pid, restarts: 0, lastExitCode: null, nextRun: null,
      infiniteLoop: true, tags: ['web'], enabled: true, args: [], env: {},
    });
    expect(byName.web?.cpu).toEqual(expect.any(Number));
    expect(byName.web?.rss).toBeGreaterThan(0);
    expect(byName.job).toMatchObject({ status: 'idle', pid: null, cpu: null, rss: null, infiniteLoop: false, tags: ['nightly', 'web'] });
    expect(byName.tick).toMatchObject({ status: 'scheduled', pid: null, period: '1 hour', nextRun: expect.any(String) });
    expect(Date.parse(byName.tick!.nextRun!)).toBeGreaterThan(Date.now());
    expect(pidAlive(pid)).toBe(true);
  });

  it('--tag keeps the tasks with that tag, in the table and in --json', async () => {
    const { folder } = await threeTasks();
    const [nightly, web, none] = await Promise.all([
      cli.run(folder, ['ls', '--tag', 'nightly']), cli.run(folder, ['ls', '--tag', 'web', '--json']), cli.run(folder, ['ls', '--tag', 'none']),
    ]);
    expect(linesOf(nightly).slice(1).map((l) => l.split(/\s+/)[0])).toEqual(['job']);
    expect(jsonOf<TaskRow[]>(web).map((r) => r.name).sort()).toEqual(['job', 'web']);
    expect(linesOf(none)).toEqual([`No tasks in ${folder} tagged "none".`]);
  });
});

describe('colour', () => {
  it('piped: none by default, on with FORCE_COLOR=1 (even with NO_COLOR), off with FORCE_COLOR=0; never in --json', async () => {
    const { folder } = await threeTasks();
    const cases: [string, Record<string, string | undefined>, string[], boolean][] = [
      ['nothing set', { NO_COLOR: undefined }, ['ls'], false],
      ['FORCE_COLOR=1 and NO_COLOR=1', { NO_COLOR: '1', FORCE_COLOR: '1' }, ['ls'], true],
      ['FORCE_COLOR=0', { NO_COLOR: undefined, FORCE_COLOR: '0' }, ['ls'], false],
      ['FORCE_COLOR=1 --json', { NO_COLOR: undefined, FORCE_COLOR: '1' }, ['ls', '--json'], false],
    ];
    const results = await inBatches(cases.map(([, env, args]) => () => cli.run(folder, args, { env })));
    cases.forEach(([what, , , colored], i) => {
      const r = results[i]!;
      expect(r.exitCode, `${what}: ${shown(r)}`).toBe(0);
      expect(r.stdout.includes(ANSI), `${what}: ${JSON.stringify(r.stdout)}`).toBe(colored);
      expect(stripVTControlCharacters(r.stdout), what).toContain('running');
    });
  });

  // The CLI's stdout is a pseudo-terminal here (util-linux `script`, see runInTty).
  it('on a terminal: on by default, off with NO_COLOR=1 or FORCE_COLOR=0', async () => {
    const { folder } = await threeTasks();
    const base = { EXECUTOR_FOLDER: folder, TERM: 'xterm', NO_COLOR: undefined, FORCE_COLOR: undefined, ...clusterEnvOf(folder) };
    const [plain, noColor, forceOff] = await Promise.all([
      runInTty(['ls'], base), runInTty(['ls'], { ...base, NO_COLOR: '1' }), runInTty(['ls'], { ...base, FORCE_COLOR: '0' }),
    ]);
    expect(plain.exitCode, shown(plain)).toBe(0);
    expect(plain.stdout).toContain(ANSI);
    expect(stripVTControlCharacters(plain.stdout)).toMatch(/^tick\s+scheduled\s/m);
    for (const r of [noColor, forceOff]) {
      expect(r.exitCode, shown(r)).toBe(0);
      expect(r.stdout).toContain('NAME');
      expect(r.stdout.includes(ANSI), JSON.stringify(r.stdout)).toBe(false);
    }
  });
});

describe('enable and disable', () => {
  it('print NAME: enabled|disabled, or the row with --json, and switch the task', async () => {
    const { folder, ex } = await threeTasks();
    const [offTick, offJob] = await Promise.all([cli.run(folder, ['disable', 'tick']), cli.run(folder, ['disable', 'job', '--json'])]);
    expect(linesOf(offTick)).toEqual(['tick: disabled']);
    expect(offTick.stderr).toBe('');
    expect(jsonOf<TaskRow>(offJob)).toMatchObject({ name: 'job', enabled: false, tags: ['nightly', 'web'] });
    expect(Object.fromEntries((await ex.listTasks()).map((r) => [r.name, r.enabled]))).toEqual({ job: false, tick: false, web: true });

    // (ls only looks at job, which nothing else changes meanwhile.)
    const [table, onTick] = await Promise.all([cli.run(folder, ['ls']), cli.run(folder, ['enable', 'tick', '--json'])]);
    expect(linesOf(table).find((l) => l.startsWith('job '))).toMatch(/^job\s+disabled\s/);
    expect(jsonOf<TaskRow>(onTick)).toMatchObject({ name: 'tick', enabled: true, period: '1 hour' });
    expect(linesOf(await cli.run(folder, ['enable', 'job']))).toEqual(['job: enabled']);
    expect(Object.fromEntries((await ex.listTasks()).map((r) => [r.name, r.enabled]))).toEqual({ job: true, tick: true, web: true });
  });

  it('an unknown task: exit 1, ERR_TASK_NOT_FOUND, nothing changed', async () => {
    const { folder, ex } = await threeTasks();
    const before = (await ex.listTasks()).map((r) => [r.name, r.enabled]);
    const [on, off] = await Promise.all([cli.run(folder, ['enable', 'nope']), cli.run(folder, ['disable', 'nope', '--json'])]);
    expectError(on, 1, 'ERR_TASK_NOT_FOUND');
    expectError(off, 1, 'ERR_TASK_NOT_FOUND');
    expect(on.stderr).toContain('"nope"');
    expect((await ex.listTasks()).map((r) => [r.name, r.enabled])).toEqual(before);
  });
});
