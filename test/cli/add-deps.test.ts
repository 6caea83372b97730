// Issue 16 in the CLI: `add`'s flags for start order, chains, env files, secrets, user, limits and nice (and the same
// keys in spec files), `stop --cascade` and `rm --force`.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/store/records.js';
import type { TaskRow } from '../../src/task/rows.js';
import { useCli } from '../helpers/cli.js';
import { snapshotFolder, storedRecord } from '../helpers/executor.js';
import { TASKS_DIR, expectError, jsonOf, linesOf, shown } from '../fixtures/cli/tasks/kit.js';

const cli = useCli();
const record = (folder: string, name: string): TaskRecord => storedRecord(folder, name) as TaskRecord;
const root = process.getuid?.() === 0;

describe('add: issue 16 flags', () => {
  it('turns each flag into its addTask option, as the record and ls --json show', async () => {
    const { folder, dir } = cli.folder();
    // --envfile, not --env-file: Node (20 to 26) reads `--env-file` even after the script (nodejs/node#54232).
    expect(linesOf(await cli.run(folder, ['add', 'db', 'idle.js', '--wd', TASKS_DIR, '--ready-port', '5432', '--ready-timeout', '10s']))).toEqual(['db: added']);
    expect(linesOf(await cli.run(folder, ['add', 'load', 'idle.js', '--wd', TASKS_DIR, '--ready-line', '/listening on \\d+/i', '--ready-timeout', '5']))).toEqual(['load: added']);
    const args = [
      'add', 'api', 'idle.js', '--wd', TASKS_DIR, '--depends-on', 'db', '--depends-on', 'load', '--ready-after', '1500', '--restart-with',
      '--after', 'load', '--after', 'db:failure', '--max-chain-depth', '3', '--envfile', '.env', '--envfile-optional', '.env.local',
      '--secret-env', 'DSN', '--secret-env', 'PASS2', '--limit-memory', '512 MB', '--limit-cpu', '60', '--limit-files', '256', '--limit-processes', '50', '--nice', '5',
      ...(root ? ['--user', 'nobody', '--group', 'nogroup'] : []),
    ];
    const added = await cli.run(folder, args, { cwd: dir });
    expect(linesOf(added), shown(added)).toEqual(['api: added']);
    const { task } = record(folder, 'api');
    expect(task).toMatchObject({
      dependsOn: ['db', 'load'], ready: { kind: 'afterMs', ms: 1500 }, restartWith: true,
      after: [{ task: 'load', on: 'success' }, { task: 'db', on: 'failure' }], maxChainDepth: 3,
      envFiles: [{ path: '.env', optional: false }, { path: '.env.local', optional: true }], secretEnv: ['DSN', 'PASS2'],
      limits: { memoryBytes: 512 * 1024 * 1024, cpuSeconds: 60, openFiles: 256, processes: 50 }, nice: 5,
    });
    expect(record(folder, 'db').task).toMatchObject({ ready: { kind: 'port', port: 5432 }, readyTimeoutMs: 10_000 });
    expect(record(folder, 'load').task).toMatchObject({ ready: { kind: 'line', source: 'listening on \\d+', flags: 'i' }, readyTimeoutMs: 5_000 });
    const rows = jsonOf<TaskRow[]>(await cli.run(folder, ['ls', '--json']));
    expect(rows.find((r) => r.name === 'api')).toMatchObject({
      dependsOn: ['db', 'load'], after: [{ task: 'load', on: 'success' }, { task: 'db', on: 'failure' }], waiting: null, nice: 5,
      envFiles: [{ path: '.env', optional: false }, { path: '.env.local', optional: true }], secretEnv: ['DSN', 'PASS2'],
      ...(root ? { user: 'nobody', group: 'nogroup' } : { user: null }),
    });
  });

  it('refuses bad values with exit 2 and writes nothing; an unknown dependency is ERR_TASK_NOT_FOUND', async () => {
    const { folder } = cli.folder();
    await cli.run(folder, ['add', 'db', 'idle.js', '--wd', TASKS_DIR]);
    const before = snapshotFolder(folder);
    const cases: [string[], string][] = [
      [['--ready-port', 'abc'], 'ERR_USAGE'],
      [['--ready-after', 'soon'], 'ERR_USAGE'],
      [['--ready-line', '(unclosed'], 'ERR_USAGE'],
      [['--after', 'db:sometimes'], 'ERR_USAGE'],
      [['--nice', '30'], 'ERR_USAGE'],
      [['--ready-port', '80', '--ready-file', 'x.flag'], 'ERR_USAGE'],
      [['--max-chain-depth', '0'], 'ERR_USAGE'],
    ];
    for (const [flags, code] of cases) {
      const r = await cli.run(folder, ['add', 'api', 'idle.js', '--wd', TASKS_DIR, ...flags]);
      expectError(r, 2, code);
    }
    const unknown = await cli.run(folder, ['add', 'api', 'idle.js', '--wd', TASKS_DIR, '--depends-on', 'dbb']);
    expect(unknown.exitCode, shown(unknown)).not.toBe(0);
    expect(unknown.stderr).toMatch(/ERR_TASK_NOT_FOUND: .*`dependsOn\[0\]`.*"dbb".*did you mean "db"/);
    const self = await cli.run(folder, ['add', 'db', 'idle.js', '--wd', TASKS_DIR, '--depends-on', 'db', '--replace']);
    expect(self.stderr).toMatch(/ERR_DEPENDENCY_CYCLE/);
    expect(snapshotFolder(folder)).toEqual(before);
  });

  it('add --file takes the SDK option names, adds a file\'s tasks in dependency order, and reads ready.line in slashes as a regex', async () => {
    const { folder, dir } = cli.folder();
    const spec = path.join(dir, 'stack.yaml');
    writeFileSync(spec, [
      'tasks:',
      '  - name: api',
      '    script: idle.js',
      `    wd: ${TASKS_DIR}`,
      '    dependsOn: [db]',
      '    restartWith: true',
      '    envFile: [{ path: .env, optional: true }]',
      '    limits: { memory: 256 MB, openFiles: 128 }',
      '  - name: db',
      '    script: idle.js',
      `    wd: ${TASKS_DIR}`,
      "    ready: { line: '/ready to accept/i' }",
      '    readyTimeout: 45s',
      '',
    ].join('\n'));
    const r = await cli.run(folder, ['add', '--file', spec]);
    expect(linesOf(r), shown(r)).toEqual(['db: added', 'api: added']);
    expect(record(folder, 'db').task).toMatchObject({ ready: { kind: 'line', source: 'ready to accept', flags: 'i' }, readyTimeoutMs: 45_000 });
    expect(record(folder, 'api').task).toMatchObject({ dependsOn: ['db'], restartWith: true, envFiles: [{ path: '.env', optional: true }], limits: { memoryBytes: 256 * 1024 * 1024, openFiles: 128 } });
  });
});

describe('stop --cascade, rm --force', () => {
  it('stop --cascade stops the dependents first; rm of a dependency is refused unless --force', async () => {
    const { folder } = cli.folder();
    const ex = cli.kit.open(folder);
    await ex.addTask('db', 'idle.js', { wd: TASKS_DIR, ready: { afterMs: 50 } });
    await ex.addTask('api', 'idle.js', { wd: TASKS_DIR, dependsOn: ['db'], ready: { afterMs: 50 } });
    const started = await cli.run(folder, ['start', 'api']);
    expect(linesOf(started)[0], shown(started)).toMatch(/^api: started \(pid \d+\)$/);
    expect((await ex.listTasks()).map((t) => t.status)).toEqual(['running', 'running']); // db started first
    const stopped = await cli.run(folder, ['stop', 'db', '--cascade', '--json']);
    expect(jsonOf<{ name: string; result: string }[]>(stopped)).toMatchObject([{ name: 'db', result: 'stopped' }]);
    expect((await ex.listTasks()).map((t) => t.status)).toEqual(['stopped', 'stopped']);
    const refused = await cli.run(folder, ['rm', 'db']);
    expect(refused.exitCode, shown(refused)).toBe(1);
    expect(refused.stderr).toMatch(/ERR_HAS_DEPENDENTS: .*"api"/);
    expect(linesOf(await cli.run(folder, ['rm', 'db', '--force']))).toEqual(['db: removed']);
    expect((await ex.listTasks()).map((t) => t.name)).toEqual(['api']);
  });

  it('rm --all removes dependents before what they depend on', async () => {
    const { folder } = cli.folder();
    const ex = cli.kit.open(folder);
    await ex.addTask('db', 'idle.js', { wd: TASKS_DIR });
    await ex.addTask('api', 'idle.js', { wd: TASKS_DIR, dependsOn: ['db'] });
    await ex.addTask('web', 'idle.js', { wd: TASKS_DIR, dependsOn: ['api'] });
    const r = await cli.run(folder, ['rm', '--all']);
    expect(linesOf(r), shown(r)).toEqual(['web: removed', 'api: removed', 'db: removed']);
  });
});
