// `executor rm|start|stop|restart NAME... | --all` as a subprocess: the lines and --json results, the processes
// (started, whole trees stopped), usage errors, and unknown names (nothing done).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { useCli } from '../helpers/cli.js';
import { readPids } from '../helpers/executor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { TASKS_DIR, expectError, jsonOf, linesOf, shown } from '../fixtures/cli/tasks/kit.js';

const cli = useCli();

/** `NAME: started (pid N)` → N (fails on any other line). */
function startedPid(line: string | undefined, name: string): number {
  const m = new RegExp(`^${name}: started \\(pid (\\d+)\\)$`).exec(line ?? '');
  expect(m, `a "${name}: started (pid N)" line, got ${JSON.stringify(line)}`).not.toBeNull();
  return Number(m![1]);
}

/** A folder with idle.js tasks `names` (not started) added through the SDK. */
async function folderWith(...names: string[]): Promise<{ folder: string; dir: string; ex: Executor }> {
  const { folder, dir } = cli.folder();
  const ex = cli.kit.open(folder);
  for (const name of names) await ex.addTask(name, 'idle.js', { wd: TASKS_DIR });
  return { folder, dir, ex };
}

/** name → pid of the live run (null when not running), from the SDK. */
async function pidsOf(ex: Executor): Promise<Record<string, number | null>> {
  return Object.fromEntries((await ex.listTasks()).map((r) => [r.name, r.status === 'running' ? r.pid : null]));
}

describe('start, stop, restart, rm NAME', () => {
  it('start prints the pid of a live process; stop ends its whole tree; stopping again says not running', async () => {
    const { folder, dir, ex } = await folderWith();
    const pidsFile = path.join(dir, 'tree.pids');
    await ex.addTask('tree', 'tree.js', { wd: TASKS_DIR, env: { PIDS_FILE: pidsFile } });

    const started = await cli.run(folder, ['start', 'tree']);
    expect(started.stderr).toBe('');
    const pid = startedPid(linesOf(started)[0], 'tree');
    expect(linesOf(started)).toHaveLength(1);
    expect(pidAlive(pid)).toBe(true);
    expect(await pidsOf(ex)).toEqual({ tree: pid });
    // The task's pid (its process group leader) and the script's three processes, one of them in its own session.
    const tree = [pid, ...await waitUntil(() => { const p = readPids(pidsFile); return p.length === 3 && p; }, { what: 'the 3 pids of the tree' })];
    expect(tree.every(pidAlive)).toBe(true);

    const stopped = await cli.run(folder, ['stop', 'tree']);
    expect(linesOf(stopped)).toEqual([`tree: stopped (pid ${pid})`]);
    expect(tree.filter(pidAlive)).toEqual([]);
    expect(await pidsOf(ex)).toEqual({ tree: null });

    const again = jsonOf<{ name: string; result: string; pid: number | null }[]>(await cli.run(folder, ['stop', 'tree', '--json']));
    expect(again).toMatchObject([{ name: 'tree', result: 'not running', pid: null }]);
  });

  it('restart gives a new pid (the old process is gone)', async () => {
    const { folder, ex } = await folderWith('web');
    const first = (await ex.startTask('web')).pid!;
    const r = await cli.run(folder, ['restart', 'web']);
    const second = startedPid(linesOf(r)[0], 'web');
    expect(linesOf(r)).toHaveLength(1);
    expect(second).not.toBe(first);
    expect(pidAlive(first)).toBe(false);
    expect(pidAlive(second)).toBe(true);
    expect(await pidsOf(ex)).toEqual({ web: second });
  });

  it('rm stops and removes tasks: gone from ls --json', async () => {
    const { folder, ex } = await folderWith('web', 'idle', 'keep');
    const pid = (await ex.startTask('web')).pid!;
    const [human, json] = await Promise.all([cli.run(folder, ['rm', 'web']), cli.run(folder, ['rm', 'idle', '--json'])]);
    expect(linesOf(human)).toEqual(['web: removed']);
    expect(jsonOf(json)).toEqual([{ name: 'idle', result: 'removed' }]);
    expect(pidAlive(pid)).toBe(false);
    const rows = jsonOf<{ name: string }[]>(await cli.run(folder, ['ls', '--json']));
    expect(rows.map((row) => row.name)).toEqual(['keep']);
  });

  it('start of a task whose script is missing: its own error line (an error row in --json), exit 1; the others still start', async () => {
    const { folder, ex } = await folderWith('ok', 'ok2');
    await ex.addTask('ghost', 'no-such-script.js', { wd: TASKS_DIR });
    const [r, json] = await Promise.all([cli.run(folder, ['start', 'ghost', 'ok']), cli.run(folder, ['start', 'ghost', 'ok2', '--json'])]);
    expect(r.exitCode, shown(r)).toBe(1);
    expect(r.stderr, shown(r)).toMatch(/^executor: ghost: ERR_SCRIPT_NOT_FOUND: Expected `script` to be an existing file, got .*no-such-script\.js.*\n$/);
    expect(r.stderr.split('\n'), shown(r)).toHaveLength(2);
    const pid = startedPid(r.stdout.replace(/\n$/, ''), 'ok');

    expect(json.exitCode, shown(json)).toBe(1);
    expect(json.stderr).toMatch(/^executor: ghost: ERR_SCRIPT_NOT_FOUND: /); // errors stay on stderr with --json too
    const rows = JSON.parse(json.stdout) as { name: string; result: string; code?: string; error?: string; pid?: number }[];
    expect(rows).toMatchObject([
      { name: 'ghost', result: 'error', code: 'ERR_SCRIPT_NOT_FOUND', error: expect.stringContaining('no-such-script.js') },
      { name: 'ok2', result: 'started', pid: expect.any(Number) },
    ]);
    expect(await pidsOf(ex)).toEqual({ ghost: null, ok: pid, ok2: rows[1]!.pid });
  });
});

describe('--all', () => {
  it('start --all and stop --all print one line per task, --json the results in name order', async () => {
    const { folder, ex } = await folderWith('c', 'a', 'b');
    const started = await cli.run(folder, ['start', '--all']);
    const lines = linesOf(started).sort();
    expect(lines).toHaveLength(3);
    const pids = Object.fromEntries(['a', 'b', 'c'].map((name, i) => [name, startedPid(lines[i], name)]));
    expect(Object.values(pids).every(pidAlive)).toBe(true);
    expect(await pidsOf(ex)).toEqual(pids);

    const stopped = jsonOf<{ name: string; result: string; pid: number | null }[]>(await cli.run(folder, ['stop', '--all', '--json']));
    expect(stopped.map(({ name, result, pid }) => ({ name, result, pid }))).toEqual(
      ['a', 'b', 'c'].map((name) => ({ name, result: 'stopped', pid: pids[name] })),
    );
    expect(Object.values(pids).filter(pidAlive)).toEqual([]);

    const restarted = jsonOf<{ name: string; result: string; pid: number | null }[]>(await cli.run(folder, ['start', '--all', '--json']));
    expect(restarted.map((r) => [r.name, r.result])).toEqual([['a', 'started'], ['b', 'started'], ['c', 'started']]);
    const live = await pidsOf(ex);
    expect(restarted.map((r) => r.pid)).toEqual([live.a, live.b, live.c]);

    const stoppedAgain = await cli.run(folder, ['stop', '--all']);
    expect(linesOf(stoppedAgain).sort()).toEqual(['a', 'b', 'c'].map((name) => `${name}: stopped (pid ${live[name]})`));
    expect(await pidsOf(ex)).toEqual({ a: null, b: null, c: null });
  });

  it('--json follows the order of the names given', async () => {
    const { folder } = await folderWith('a', 'b');
    const started = jsonOf<{ name: string; result: string }[]>(await cli.run(folder, ['start', 'b', 'a', '--json']));
    expect(started.map((r) => [r.name, r.result])).toEqual([['b', 'started'], ['a', 'started']]);
  });
});

describe('bad targets', () => {
  it('names with --all, or neither: exit 2; an unknown name among known ones: exit 1 and nothing done', async () => {
    const { folder, ex } = await folderWith('known', 'other');
    const pid = (await ex.startTask('known')).pid!;
    const [both, neither, stop, rm, restart, start] = await Promise.all([
      cli.run(folder, ['stop', 'known', '--all']),
      cli.run(folder, ['stop']),
      cli.run(folder, ['stop', 'known', 'unknown']),
      cli.run(folder, ['rm', 'known', 'unknown']),
      cli.run(folder, ['restart', 'unknown', 'known', '--json']),
      cli.run(folder, ['start', 'other', 'unknown']),
    ]);
    expectError(both, 2, 'ERR_USAGE');
    expectError(neither, 2, 'ERR_USAGE');
    for (const r of [stop, rm, restart, start]) {
      expectError(r, 1, 'ERR_TASK_NOT_FOUND');
      expect(r.stderr).toContain('"unknown"');
    }
    expect(pidAlive(pid)).toBe(true);
    expect(await pidsOf(ex)).toEqual({ known: pid, other: null });
    expect(shown(both)).toContain('--all');
  });
});
