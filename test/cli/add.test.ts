// `executor add` as a subprocess: flags to task options, schedules, bad values (exit 2, nothing written), existing
// names and --replace, and `add --file` specs (JSON and YAML).
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskRow } from '../../src/task/rows.js';
import { useCli, type CliResult } from '../helpers/cli.js';
import { snapshotFolder } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { TASKS_DIR, expectError, inBatches, jsonOf, linesOf, shown, taskFixture } from '../fixtures/cli/tasks/kit.js';

const cli = useCli();

/** The line `add` prints for a task added or replaced (docs/cli.md): `NAME: added` / `NAME: replaced`. */
function addedLine(name: string, verb: 'added' | 'replaced'): string {
  return `${name}: ${verb}`;
}

/** A folder holding one task, `keep` (idle.js, tag a), added through the SDK. */
/** Each case (`[what, args, code, shown]`) exited 2 with its code; the first `fresh` also ran on a new folder (results after the cases). */
function expectUsageErrors(cases: [string, string[], string, string][], results: CliResult[], fresh: number): void {
  cases.forEach(([what, , code, shows], i) => {
    for (const r of [results[i]!, ...(i < fresh ? [results[cases.length + i]!] : [])]) {
      expect(r.exitCode, `${what}: ${shown(r)}`).toBe(2);
      expectError(r, 2, code);
      expect(r.stderr, what).toContain(shows);
    }
  });
}

async function folderWithKeep(): Promise<{ folder: string; dir: string; rows: () => Promise<TaskRow[]> }> {
  const { folder, dir } = cli.folder();
  const ex = cli.kit.open(folder);
  await ex.addTask('keep', 'idle.js', { wd: TASKS_DIR, tags: ['a'] });
  return { folder, dir, rows: () => ex.listTasks() };
}

describe('add NAME SCRIPT', () => {
  it('turns every flag into a task option, as ls --json shows; --arg=--x reaches the script', async () => {
    const { folder } = cli.folder();
    const added = await cli.run(folder, [
      'add', 'w', 'idle.js', '--wd', 'tasks', '--env', 'A=1', 'B=2', '--arg', 'x', '--arg=--flag', '--tag', 't1', 't2',
      '--timeout', '30s', '--once', '--description', 'd', '--on', 'ev', '--interpreter', 'node',
    ], { cwd: path.dirname(TASKS_DIR) });
    expect(linesOf(added)).toEqual([addedLine('w', 'added')]);
    expect(added.stderr).toBe('');
    const rows = jsonOf<TaskRow[]>(await cli.run(folder, ['ls', '--json']));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      name: 'w', script: 'idle.js', wd: TASKS_DIR, env: { A: '1', B: '2' }, args: ['x', '--flag'], tags: ['t1', 't2'], timeoutMs: 30_000,
      infiniteLoop: false, description: 'd', on: ['ev'], interpreter: 'node', period: null, cron: null, enabled: true, status: 'idle',
    });

    const ex = cli.kit.open(folder);
    await ex.startTask('w');
    const out = await waitUntil(async () => (await ex.readOut('w', 5)).find((l) => l.startsWith('ready ')), { what: 'the ready line' });
    expect(out).toMatch(/^ready \d+ args x --flag$/);
  });

  it('--period with --start and --timezone, and --cron, give schedules with a next run once started', async () => {
    const { folder } = cli.folder();
    const wd = ['--wd', TASKS_DIR];
    const periodic = jsonOf<TaskRow>(await cli.run(folder, [
      'add', 'p', 'idle.js', ...wd, '--period', '2 min', '--start', '2026-01-01 00:00:30', '--timezone', 'Europe/Paris', '--json',
    ]));
    // 00:00:30 in Paris (UTC+1 in winter) is 23:00:30 UTC the day before.
    expect(periodic).toMatchObject({ name: 'p', period: '2 min', start: '2025-12-31T23:00:30.000Z', timezone: 'Europe/Paris', cron: null });
    const cron = await cli.run(folder, ['add', 'c', 'idle.js', ...wd, '--cron', '*/5 * * * *']);
    expect(linesOf(cron)).toEqual([addedLine('c', 'added')]);

    const started = await cli.run(folder, ['start', 'p', 'c']);
    // No supervisor runs for this folder: the line says so (issue 12).
    const hint = "no supervisor is running for this folder: run 'executor supervise' or ex.keepRestarting()";
    expect(linesOf(started).sort()).toEqual([`c: scheduled (${hint})`, `p: scheduled (${hint})`]);
    const rows = Object.fromEntries((await cli.kit.open(folder).listTasks()).map((r) => [r.name, r]));
    expect(rows.c).toMatchObject({ cron: '*/5 * * * *', period: null, status: 'scheduled' });
    const nextP = new Date(rows.p!.nextRun!);
    const nextC = new Date(rows.c!.nextRun!);
    // Every 2 min from hh:00:30 UTC: an even minute, 30 s. Every 5 min on the minute.
    expect([nextP.getUTCMinutes() % 2, nextP.getUTCSeconds()]).toEqual([0, 30]);
    expect([nextC.getUTCMinutes() % 5, nextC.getUTCSeconds(), nextC.getUTCMilliseconds()]).toEqual([0, 0, 0]);
  });

  it('a bad value: exit 2, one clear error line, nothing written (to an existing folder, nor a new one left behind)', async () => {
    const existing = await folderWithKeep();
    const before = snapshotFolder(existing.folder);
    const cases: [string, string[], string, string][] = [
      // The first two also run on a new folder path.
      ['a bad period', ['z', 'idle.js', '--period', '2 fortnights'], 'ERR_INVALID_PERIOD', '"2 fortnights"'],
      ['an --env item without =', ['z', 'idle.js', '--env', 'NOEQUALS'], 'ERR_USAGE', 'NOEQUALS'],
      ['--period with --cron', ['z', 'idle.js', '--period', '2 min', '--cron', '*/5 * * * *'], 'ERR_CONFLICTING_OPTIONS', '`cron`'],
      ['an unknown time zone', ['z', 'idle.js', '--period', '2 min', '--timezone', 'Mars/Base'], 'ERR_INVALID_TIMEZONE', '"Mars/Base"'],
      ['a bad cron', ['z', 'idle.js', '--cron', 'bad'], 'ERR_INVALID_CRON', '"bad"'],
      ['a bad name', ['bad/name', 'idle.js'], 'ERR_INVALID_TASK_NAME', '"bad/name"'],
      ['a name without a script', ['z'], 'ERR_USAGE', 'SCRIPT'],
      ['a bad value with --replace of an existing task', ['keep', 'idle.js', '--replace', '--period', '2 fortnights'], 'ERR_INVALID_PERIOD', '"2 fortnights"'],
    ];
    const fresh = cases.slice(0, 2).map(() => cli.folder());
    const calls = [
      ...cases.map(([, args]) => () => cli.run(existing.folder, ['add', ...args], { cwd: TASKS_DIR })),
      ...fresh.map(({ folder }, i) => () => cli.run(folder, ['add', ...cases[i]![1]], { cwd: TASKS_DIR })),
    ];
    const results = await inBatches(calls);
    expectUsageErrors(cases, results, fresh.length);
    expect(snapshotFolder(existing.folder)).toEqual(before);
    for (const { dir } of fresh) expect(snapshotFolder(dir), 'a new folder is not left behind').toEqual({});
  });

  it('an existing name: a warning and no change without --replace; --replace updates it; --json prints the row', async () => {
    const { folder, rows } = await folderWithKeep();
    const tasksDir = path.join(folder, 'tasks');
    const before = snapshotFolder(tasksDir);
    const kept = await cli.run(folder, ['add', 'keep', 'idle.js', '--tag', 'b'], { cwd: TASKS_DIR });
    expect(kept.exitCode, shown(kept)).toBe(0);
    expect(kept.stdout).toBe('');
    expect(kept.stderr).toMatch(/^executor: warning: .*keep.*--replace.*\n$/);
    expect(kept.stderr.split('\n')).toHaveLength(2);
    expect(snapshotFolder(tasksDir)).toEqual(before);
    expect((await rows()).map((r) => [r.name, r.tags])).toEqual([['keep', ['a']]]);

    const replaced = await cli.run(folder, ['add', 'keep', 'idle.js', '--tag', 'b', '--replace'], { cwd: TASKS_DIR });
    expect(linesOf(replaced)).toEqual([addedLine('keep', 'replaced')]);
    expect(replaced.stderr).toBe('');
    expect((await rows()).map((r) => [r.name, r.tags])).toEqual([['keep', ['b']]]);

    const [again, added] = await Promise.all([
      cli.run(folder, ['add', 'keep', 'idle.js', '--tag', 'c', '--period', '1 hour', '--replace', '--json'], { cwd: TASKS_DIR }),
      cli.run(folder, ['add', 'other', 'idle.js', '--json'], { cwd: TASKS_DIR }),
    ]);
    expect(jsonOf<TaskRow>(again)).toMatchObject({ name: 'keep', tags: ['c'], period: '1 hour', wd: TASKS_DIR });
    expect(jsonOf<TaskRow>(added)).toMatchObject({ name: 'other', script: 'idle.js', wd: TASKS_DIR, tags: [], status: 'idle' });
    expect(again.stderr + added.stderr).toBe('');
    expect((await rows()).map((r) => r.name).sort()).toEqual(['keep', 'other']);
  });
});

describe('add --file', () => {
  /** `<dir>/spec/` with `sub/idle.js`, `sub/step.sh` and the given spec files. */
  function specDir(files: Record<string, string>): { dir: string; folder: string; spec: string } {
    const { dir, folder } = cli.folder();
    const spec = path.join(dir, 'spec');
    mkdirSync(path.join(spec, 'sub'), { recursive: true });
    for (const f of ['idle.js', 'step.sh']) copyFileSync(taskFixture(f), path.join(spec, 'sub', f));
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(spec, name), text);
    return { dir, folder, spec };
  }

  const ETL_YAML = `tasks:
  - name: etl
    steps:
      - { name: one, script: sub/step.sh }
      - { name: two, script: sub/step.sh }
  - name: web
    script: idle.js
    wd: sub
    tags: [web]
`;

  it('adds a program and a script from { tasks: [...] } YAML, and one task from a JSON object; paths are read from the file\'s folder', async () => {
    const { dir, folder, spec } = specDir({ 'etl.yaml': ETL_YAML, 'one.json': JSON.stringify({ name: 'one', script: 'idle.js', wd: 'sub', env: { GREETING: 'hi' } }) });
    const other = cli.folder().folder;
    const [yaml, json] = await Promise.all([
      cli.run(folder, ['add', '--file', 'spec/etl.yaml', '--json'], { cwd: dir }),
      cli.run(other, ['add', '--file', path.join(spec, 'one.json')], { cwd: TASKS_DIR }),
    ]);
    const rows = jsonOf<TaskRow[]>(yaml);
    expect(rows.map((r) => r.name)).toEqual(['etl', 'web']);
    expect(rows[0]).toMatchObject({ name: 'etl', steps: ['one', 'two'], wd: spec });
    expect(rows[1]).toMatchObject({ name: 'web', script: 'idle.js', wd: path.join(spec, 'sub'), tags: ['web'], steps: null });
    expect(linesOf(json)).toEqual([addedLine('one', 'added')]);
    const oneEx = cli.kit.open(other);
    expect(await oneEx.listTasks()).toMatchObject([{ name: 'one', wd: path.join(spec, 'sub'), env: { GREETING: 'hi' } }]);

    // The relative scripts resolve: the program's steps run, and both script tasks start and stay up.
    const [run] = await Promise.all([cli.run(folder, ['run', 'etl', '--wait']), oneEx.startTask('one')]);
    expect(run.exitCode, shown(run)).toBe(0);
    expect(run.stdout).toContain(`step one in ${spec}`);
    expect(run.stdout).toContain(`step two in ${spec}`);
    const web = await cli.kit.open(folder).startTask('web');
    const pids = [web.pid, (await oneEx.listTasks())[0]?.pid];
    for (const pid of pids) expect(pid !== null && pid !== undefined && pidAlive(pid), `pid ${String(pid)}`).toBe(true);
    expect(await waitUntil(async () => (await oneEx.readOut('one', 5)).find((l) => l.endsWith(' hi')), { what: 'one printing its env' })).toMatch(/^ready \d+ hi$/);
  });

  it('a bad spec (duplicate names, a non-object entry, a bad extension) or a NAME with --file: exit 2, nothing added', async () => {
    const { spec } = specDir({
      'dup.json': JSON.stringify([{ name: 'a', script: 'sub/idle.js' }, { name: 'a', script: 'sub/idle.js' }]),
      'nonobj.yaml': 'tasks:\n  - name: ok\n    script: sub/idle.js\n  - 42\n',
      'etl.yaml': ETL_YAML,
      'etl.txt': ETL_YAML,
    });
    const existing = await folderWithKeep();
    const before = snapshotFolder(existing.folder);
    const cases: [string, string[], string, string][] = [
      ['duplicate names', ['--file', path.join(spec, 'dup.json')], 'ERR_INVALID_OPTION', 'entry 2'],
      ['a non-object entry', ['--file', path.join(spec, 'nonobj.yaml')], 'ERR_INVALID_OPTION', 'entry 2'],
      ['a .txt spec', ['--file', path.join(spec, 'etl.txt')], 'ERR_USAGE', 'etl.txt'],
      ['--file with NAME', ['x', '--file', path.join(spec, 'etl.yaml')], 'ERR_USAGE', '"x"'],
    ];
    const fresh = cases.slice(0, 2).map(() => cli.folder());
    const results = await inBatches([
      ...cases.map(([, args]) => () => cli.run(existing.folder, ['add', ...args])),
      ...fresh.map(({ folder }, i) => () => cli.run(folder, ['add', ...cases[i]![1]])),
    ]);
    expectUsageErrors(cases, results, fresh.length);
    expect(snapshotFolder(existing.folder)).toEqual(before);
    expect((await existing.rows()).map((r) => r.name)).toEqual(['keep']);
    for (const { folder } of fresh) expect(existsSync(folder), 'a new folder is not left behind').toBe(false);
  });
});
