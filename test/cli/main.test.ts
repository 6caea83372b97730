// The `executor` bin as a subprocess: version, help, usage errors, --debug, and which folder a command uses.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useCli } from '../helpers/cli.js';
import { expectError, inBatches, jsonOf, linesOf, shown } from '../fixtures/cli/tasks/kit.js';

const cli = useCli();

const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Every command (and the `list` alias) of the CLI contract. */
const COMMANDS = [
  'ls', 'list', 'add', 'rm', 'start', 'stop', 'restart', 'enable', 'disable', 'run', 'logs', 'log', 'runs', 'show', 'save', 'cancel',
  'next', 'emit', 'supervise', 'repl',
] as const;

describe('version and help', () => {
  it('--version prints the package version', async () => {
    const { folder } = cli.folder();
    const r = await cli.run(folder, ['--version']);
    expect(linesOf(r)).toEqual([PACKAGE.version]);
    expect(r.stderr).toBe('');
  });

  it('no arguments and --help print the overview with examples, exit 0', async () => {
    const { folder } = cli.folder();
    const [bare, help] = await Promise.all([cli.run(folder, []), cli.run(folder, ['--help'])]);
    for (const r of [bare, help]) {
      expect(r.exitCode, shown(r)).toBe(0);
      expect(r.stdout).toMatch(/^Usage: executor /);
      expect(r.stdout).toContain('Examples:');
      for (const cmd of ['ls', 'add', 'supervise', 'repl']) expect(r.stdout).toContain(`  ${cmd}`);
    }
    expect(bare.stdout).toBe(help.stdout);
    expect(existsSync(folder)).toBe(false);
  });

  it('every command has --help with an Examples: block, exit 0', async () => {
    const { folder } = cli.folder();
    const results = await inBatches(COMMANDS.map((cmd) => () => cli.run(folder, [cmd, '--help'])));
    COMMANDS.forEach((cmd, i) => {
      const r = results[i]!;
      expect(r.exitCode, `${cmd} --help: ${shown(r)}`).toBe(0);
      expect(r.stdout, `${cmd} --help`).toMatch(/^Usage: executor /);
      expect(r.stdout, `${cmd} --help`).toContain(cmd === 'list' ? 'ls|list' : cmd);
      expect(r.stdout, `${cmd} --help`).toContain('Examples:');
      expect(r.stdout, `${cmd} --help`).toMatch(/Examples:\n {2}\$ executor /);
    });
    expect(existsSync(folder)).toBe(false);
  });
});

describe('usage errors', () => {
  // Some of these make commander suggest a near name ("Did you mean logs?"): the report must stay one line.
  it.each([
    ['an unknown command (close to ls)', ['lss']],
    ['an unknown flag (close to --json)', ['ls', '--jsn']],
    ['a missing argument', ['enable']],
    ['a bad -n value', ['logs', 'x', '-n', 'many']],
  ])('%s: exit 2, one ERR_USAGE line naming the help, nothing created', async (_what, args) => {
    const { folder } = cli.folder();
    const r = await cli.run(folder, args);
    expectError(r, 2, 'ERR_USAGE');
    expect(r.stderr).toMatch(/\(see "executor( [a-z]+)? --help"\)\n$/);
    expect(existsSync(folder)).toBe(false);
  });
});

describe('--debug', () => {
  it('adds the stack below the error line; without it the error is exactly one line', async () => {
    const { folder } = cli.folder();
    const [plain, debug] = await Promise.all([cli.run(folder, ['runs']), cli.run(folder, ['--debug', 'runs'])]);
    expectError(plain, 1, 'ERR_FOLDER_NOT_FOUND');
    expect(plain.stderr).not.toContain('    at ');
    expect(debug.exitCode, shown(debug)).toBe(1);
    expect(debug.stdout).toBe('');
    const lines = debug.stderr.split('\n');
    expect(lines[0]).toBe(plain.stderr.trimEnd());
    expect(lines.length, shown(debug)).toBeGreaterThan(2);
    expect(lines.some((l) => l.startsWith('    at ')), shown(debug)).toBe(true);
    expect(existsSync(folder)).toBe(false);
  });
});

describe('the folder', () => {
  it('is --folder, else $EXECUTOR_FOLDER, else ./.executor, relative to the working directory', async () => {
    const { dir } = cli.folder();
    const noTasksIn = (folder: string): string => `No tasks in ${path.join(dir, folder)}.`;
    const run = (args: string[], env: Record<string, string | undefined>) => cli.run('', args, { cwd: dir, env });
    const [byDefault, byEnv, byFlag] = await Promise.all([
      run(['ls'], { EXECUTOR_FOLDER: undefined }),
      run(['ls'], { EXECUTOR_FOLDER: 'from-env' }),
      run(['--folder', 'from-flag', 'ls'], { EXECUTOR_FOLDER: 'from-env' }),
    ]);
    expect(linesOf(byDefault)).toEqual([noTasksIn('.executor')]);
    expect(linesOf(byEnv)).toEqual([noTasksIn('from-env')]);
    expect(linesOf(byFlag)).toEqual([noTasksIn('from-flag')]);
    expect(readdirSync(dir)).toEqual([]);

    // add writes where ls looks: ./.executor when nothing names a folder (an empty $EXECUTOR_FOLDER names none).
    const added = await run(['add', 'a', 'a.js'], { EXECUTOR_FOLDER: '' });
    expect(linesOf(added)).toEqual(['a: added']);
    expect(readdirSync(dir)).toEqual(['.executor']);
    expect(existsSync(path.join(dir, '.executor', 'executor.json'))).toBe(true);
    expect((await cli.kit.open(path.join(dir, '.executor')).listTasks()).map((t) => t.name)).toEqual(['a']);
  });

  it('a missing folder: ls prints an empty listing, other commands fail with ERR_FOLDER_NOT_FOUND; nothing is created', async () => {
    const { dir, folder } = cli.folder();
    const [table, json] = await Promise.all([cli.run(folder, ['ls']), cli.run(folder, ['list', '--json'])]);
    expect(linesOf(table)).toEqual([`No tasks in ${folder}.`]);
    expect(table.stderr).toBe('');
    expect(jsonOf(json)).toEqual([]);
    const commands = [['runs'], ['logs', 'x'], ['stop', '--all']];
    const results = await inBatches(commands.map((args) => () => cli.run(folder, args)));
    commands.forEach((args, i) => {
      expectError(results[i]!, 1, 'ERR_FOLDER_NOT_FOUND');
      expect(results[i]!.stderr, args.join(' ')).toContain(folder);
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});
