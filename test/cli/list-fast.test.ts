// The bin runs a plain `executor ls` without commander (cli/list-main.ts), from a CommonJS copy with a V8 code cache
// (bin/compile-cache.js): same output and exit codes as the full CLI, and a cache that is only ever used for the same
// build, in a folder of this user's own.
import { chmodSync, existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseListArgv } from '../../src/cli/list-main.js';
import { runCli as runCliInProcess } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { clusterEnvOf, useCli } from '../helpers/cli.js';
import { TASKS_DIR } from '../fixtures/cli/tasks/kit.js';

const cli = useCli();

/** The full CLI (commander), in this process, on `folder`. */
async function fullCli(argv: string[], folder: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (add: (s: string) => void) => ({ write: (chunk: string) => (add(chunk), true), isTTY: false });
  const io = {
    stdout: sink((s) => { stdout += s; }), stderr: sink((s) => { stderr += s; }), stdin: process.stdin,
    env: { EXECUTOR_FOLDER: folder, NO_COLOR: '1', ...clusterEnvOf(folder) }, cwd: process.cwd(), onStopSignal: () => () => undefined,
  } as unknown as CliIo;
  const code = await runCliInProcess(argv, io);
  return { code, stdout, stderr };
}

/** `--json` output with the sampled figures (cpu, rss) blanked; other output as it is. */
function sampledOut(stdout: string): unknown {
  if (!stdout.startsWith('[')) return stdout;
  return (JSON.parse(stdout) as Record<string, unknown>[]).map((row) => ({ ...row, cpu: 'sampled', rss: 'sampled' }));
}

/** A folder with `web` (running, tagged web) and `job` (idle). */
async function twoTasks(): Promise<string> {
  const { folder } = cli.folder();
  const ex = cli.kit.open(folder);
  await ex.addTask('web', 'idle.js', { wd: TASKS_DIR, tags: ['web'] });
  await ex.addTask('job', 'idle.js', { wd: TASKS_DIR, infiniteLoop: false });
  expect((await ex.startTask('web')).result).toBe('started');
  return folder;
}

/** The cache files the bin wrote under `cacheHome`. */
function cacheFiles(cacheHome: string): string[] {
  const root = join(cacheHome, 'executor-sdk');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((dir) => readdirSync(join(root, dir)).map((f) => join(root, dir, f)));
}

describe('parseListArgv', () => {
  it('takes plain ls lines, options anywhere, --opt=value too', () => {
    expect(parseListArgv(['ls'])).toEqual({ folder: undefined, debug: false, flags: {} });
    expect(parseListArgv(['list', '--json'])).toEqual({ folder: undefined, debug: false, flags: { json: true } });
    expect(parseListArgv(['--folder', '/f', '--debug', 'ls', '--tag=web', '--json'])).toEqual({ folder: '/f', debug: true, flags: { json: true, tag: 'web' } });
    expect(parseListArgv(['ls', '--folder=/a=b', '--tag', 'ls'])).toEqual({ folder: '/a=b', debug: false, flags: { tag: 'ls' } });
  });

  it('leaves every other line to the full CLI', () => {
    for (const argv of [[], ['--json'], ['ls', 'extra'], ['ls', 'ls'], ['ls', '--help'], ['ls', '-h'], ['ls', '--tag'], ['ls', '--tag', '-x'],
      ['ls', '--tag='], ['ls', '--tag', 'a', '--tag', 'b'], ['ls', '--json', '--json'], ['ls', '--'], ['start', 'ls'], ['ls', '--folder', '']]) {
      expect(parseListArgv(argv), JSON.stringify(argv)).toBeNull();
    }
  });
});

describe('executor ls through the fast path', () => {
  it('prints what the full CLI prints, for --json, --tag and the table', async () => {
    const folder = await twoTasks();
    const cacheHome = cli.kit.tmpDir();
    for (const argv of [['ls', '--json'], ['list', '--tag', 'web', '--json'], ['ls', '--tag=nothing']]) {
      const fast = await cli.run(folder, argv, { env: { XDG_CACHE_HOME: cacheHome } });
      const full = await fullCli(argv, folder);
      expect(fast, argv.join(' ')).toMatchObject({ exitCode: full.code, stderr: full.stderr });
      expect(sampledOut(fast.stdout), argv.join(' ')).toEqual(sampledOut(full.stdout));
    }
    const table = await cli.run(folder, ['ls'], { env: { XDG_CACHE_HOME: cacheHome } });
    expect(table.exitCode).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME\s+STATUS/);
    expect(table.stdout).toMatch(/\nweb\s+running/);
  });

  it('reports errors as the full CLI does: a folder that is a file exits 1, a bad flag 2', async () => {
    const dir = cli.kit.tmpDir();
    const file = join(dir, 'plain');
    writeFileSync(file, 'x');
    const bad = await cli.run(file, ['ls', '--json']);
    const full = await fullCli(['ls', '--json'], file);
    expect(full.code).toBe(1);
    expect(bad).toMatchObject({ exitCode: 1, stdout: '', stderr: full.stderr });
    expect(bad.stderr).toMatch(/^executor: ERR_FOLDER: /);
    const usage = await cli.run(dir, ['ls', '--bogus']);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/^executor: ERR_USAGE: .*--bogus/);
  });

  it('keeps a code cache for the build in a folder of its own, and recovers from a damaged one', async () => {
    const folder = await twoTasks();
    const cacheHome = cli.kit.tmpDir();
    const env = { XDG_CACHE_HOME: cacheHome };
    const first = await cli.run(folder, ['ls', '--json'], { env });
    expect(first.exitCode).toBe(0);
    const [file, ...others] = cacheFiles(cacheHome);
    expect(others).toEqual([]);
    expect(file).toMatch(/list\.cjs-[0-9a-f]{40}\.v8$/);
    expect(statSync(join(file!, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(file!).size).toBeGreaterThan(0);
    const dir = join(file!, '..');
    const [stale, recent] = [join(dir, `list.cjs-${'0'.repeat(40)}.v8`), join(dir, `list.cjs-${'1'.repeat(40)}.v8`)];
    writeFileSync(stale, 'another build');
    writeFileSync(recent, 'another build');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(stale, twoDaysAgo, twoDaysAgo);
    writeFileSync(file!, 'not a code cache');
    const damaged = await cli.run(folder, ['ls', '--json'], { env });
    expect(damaged).toMatchObject({ exitCode: 0, stderr: '' });
    expect((JSON.parse(damaged.stdout) as { name: string }[]).map((r) => r.name)).toEqual((JSON.parse(first.stdout) as { name: string }[]).map((r) => r.name));
    expect(statSync(file!).size, 'rewritten').toBeGreaterThan('not a code cache'.length);
    expect(existsSync(stale), "another build's cache written two days ago is removed").toBe(false);
    expect(existsSync(recent), "another build's recent cache is kept").toBe(true);
  });

  it('writes no cache when turned off, or into a folder others can write', async () => {
    const folder = await twoTasks();
    for (const off of [{ NODE_DISABLE_COMPILE_CACHE: '1' }, { EXECUTOR_NO_COMPILE_CACHE: '1' }]) {
      const cacheHome = cli.kit.tmpDir();
      expect(await cli.run(folder, ['ls', '--json'], { env: { XDG_CACHE_HOME: cacheHome, ...off } })).toMatchObject({ exitCode: 0, stderr: '' });
      expect(existsSync(join(cacheHome, 'executor-sdk')), JSON.stringify(off)).toBe(false);
    }
    const open = cli.kit.tmpDir();
    const result = await cli.run(folder, ['ls', '--json'], { env: { XDG_CACHE_HOME: open } });
    expect(result.exitCode).toBe(0);
    const [file] = cacheFiles(open);
    const shared = join(file!, '..');
    for (const f of readdirSync(shared)) writeFileSync(join(shared, f), '');
    chmodSync(shared, 0o777);
    expect(await cli.run(folder, ['ls', '--json'], { env: { XDG_CACHE_HOME: open } })).toMatchObject({ exitCode: 0, stderr: '' });
    expect(statSync(file!).size, 'a folder writable by others is not used').toBe(0);
  });
});
