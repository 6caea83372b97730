// CLI `logs` and `log`: the built bin as a subprocess — tails, --json, archives and run ids, the separate stderr,
// usage errors, and following (`-f`) across a restart until SIGTERM/SIGINT.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { useCli, type CliResult } from '../helpers/cli.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/cli/run/', import.meta.url));
const fixture = (name: string): string => path.join(FIXTURES, name);
/** A line of the executor log: `[ YYYY-MM-DD HH:mm:ss ] message`. */
const LOG_LINE = /^\[ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \] \S/;

const cli = useCli();

/** A new folder with an Executor on it (the test adds its tasks through the SDK). */
function setup(): { ex: Executor; folder: string } {
  const { folder } = cli.folder();
  return { ex: cli.kit.open(folder), folder };
}

/** Non-empty lines of a text. */
const linesOf = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** Expects exit 2 and exactly one stderr line `executor: ERR_USAGE: …` matching `message`, and nothing on stdout. */
function expectUsage(r: CliResult, message: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(linesOf(r.stderr), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(/^executor: ERR_USAGE: /);
  expect(r.stderr).toMatch(message);
}

/** Runs task `name` once through the SDK and waits for it to end. */
async function runOnce(ex: Executor, name: string): Promise<string> {
  const runId = await ex.runTask(name);
  await ex.waitRun(runId, { timeout: T(10_000) });
  return runId;
}

/** Waits for the `start <runId> <pid>` line of loop.js in `name`'s current output (not run `not`); resolves with the run id. */
async function startedRun(ex: Executor, name: string, not?: string): Promise<string> {
  const fresh = (l: string): boolean => l.startsWith('start ') && (not === undefined || !l.includes(` ${not} `));
  const line = await waitUntil(async () => (await ex.readOut(name, 1000)).find(fresh), { what: `a start line of ${name}` });
  return line.split(' ')[1]!;
}

describe('logs NAME', () => {
  it('-n 2 prints the last 2 output lines, without header or footer lines', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', fixture('lines.js'), { infiniteLoop: false });
    await runOnce(ex, 'job');
    const r = await cli.run(folder, ['logs', 'job', '-n', '2']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('line 2\nline 3\n');
    expect(r.stderr).toBe('');
    const all = await cli.run(folder, ['logs', 'job']);
    expect(all.stdout).toBe('line 1\nline 2\nline 3\n');
  });

  it('--json prints the lines as a JSON array', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', fixture('lines.js'), { infiniteLoop: false });
    await runOnce(ex, 'job');
    const r = await cli.run(folder, ['logs', 'job', '-n', '2', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(['line 2', 'line 3']);
  });

  it('--archive 1 and --run RUN_ID show the previous run\'s output after a restart', async () => {
    const { ex, folder } = setup();
    await ex.addTask('loop', fixture('loop.js'));
    await ex.startTask('loop');
    const first = await startedRun(ex, 'loop');
    await ex.restartTask('loop');
    const second = await startedRun(ex, 'loop', first);
    expect(second).not.toBe(first);
    const runsOf = (out: string): Set<string> => new Set(linesOf(out).map((l) => l.split(' ')[1]!));

    const archived = await cli.run(folder, ['logs', 'loop', '--archive', '1', '-n', '1000']);
    expect(archived.exitCode, archived.stderr).toBe(0);
    expect(linesOf(archived.stdout)[0]).toMatch(new RegExp(`^start ${first} \\d+$`));
    expect(runsOf(archived.stdout)).toEqual(new Set([first]));

    const byId = await cli.run(folder, ['logs', 'loop', '--run', first, '-n', '1000']);
    expect(byId.exitCode, byId.stderr).toBe(0);
    expect(linesOf(byId.stdout)[0]).toMatch(new RegExp(`^start ${first} \\d+$`));
    expect(runsOf(byId.stdout)).toEqual(new Set([first]));

    const current = await cli.run(folder, ['logs', 'loop', '-n', '1000']);
    expect(linesOf(current.stdout)[0]).toMatch(new RegExp(`^start ${second} \\d+$`));
    expect(runsOf(current.stdout)).toEqual(new Set([second]));
  });

  it('--err shows only the separate stderr lines of a task with stderr: \'separate\'', async () => {
    const { ex, folder } = setup();
    await ex.addTask('both', fixture('streams.js'), { stderr: 'separate', infiniteLoop: false });
    const run = await cli.run(folder, ['run', 'both', '--wait']);
    expect(run.exitCode, run.stderr).toBe(0);
    const err = await cli.run(folder, ['logs', 'both', '--err']);
    expect(err.exitCode, err.stderr).toBe(0);
    expect(err.stdout).toBe('err 1\nerr 2\n');
    const out = await cli.run(folder, ['logs', 'both']);
    expect(out.stdout).toBe('out 1\nout 2\n');
  });

  it('usage errors exit 2 with one clear line: --run with --archive, -f with --json, -n abc', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', fixture('lines.js'), { infiniteLoop: false });
    await runOnce(ex, 'job');
    expectUsage(await cli.run(folder, ['logs', 'job', '--run', 'x', '--archive', '1']), /--run.*--archive/);
    expectUsage(await cli.run(folder, ['logs', 'job', '-f', '--json']), /-f.*--json/);
    expectUsage(await cli.run(folder, ['logs', 'job', '-n', 'abc']), /-n, --lines.*Expected an integer >= 0, got "abc"/);
  });

  it('-f keeps following across a restart, then exits 0 on SIGTERM', async () => {
    const { ex, folder } = setup();
    await ex.addTask('loop', fixture('loop.js'));
    await ex.startTask('loop');
    const first = await startedRun(ex, 'loop');
    const follower = cli.spawn(folder, ['logs', 'loop', '-f', '-n', '0']);
    await follower.line((l) => l.startsWith(`tick ${first} `));

    const restart = await cli.run(folder, ['restart', 'loop']);
    expect(restart.exitCode, restart.stderr).toBe(0);
    const started = await follower.line((l) => l.startsWith('start ') && !l.includes(first));
    const second = started.split(' ')[1]!;
    expect(second).toMatch(/^\d{8}-\d{6}-\d{3}-[0-9a-f]{6}$/);
    await follower.line((l) => l.startsWith(`tick ${second} `));

    follower.child.kill('SIGTERM');
    const end = await follower.exited;
    expect(end.exitCode, end.stderr).toBe(0);
    expect(end.signal).toBeNull();
    expect(end.stderr).toBe('');
    const lines = linesOf(end.stdout);
    expect(lines.every((l) => /^(start|tick) \S+ \d+$/.test(l)), 'only output lines, no headers').toBe(true);
    // Every line of the first run comes before the second run's start line.
    const at = lines.indexOf(started);
    expect(lines.slice(at).some((l) => l.includes(first))).toBe(false);
  });
});

describe('log', () => {
  it('-n 5 prints the last 5 executor log lines; --json gives them as an array', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', fixture('lines.js'), { infiniteLoop: false });
    await runOnce(ex, 'job');
    const r = await cli.run(folder, ['log', '-n', '5']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = linesOf(r.stdout);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(5);
    for (const line of lines) expect(line).toMatch(LOG_LINE);
    expect(lines.some((l) => l.includes('Starting job'))).toBe(true);
    const json = await cli.run(folder, ['log', '-n', '5', '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(lines);
  });

  it('-f prints a line written after it started, then exits 0 on SIGINT', async () => {
    const { ex, folder } = setup();
    await ex.addTask('first', fixture('lines.js'), { infiniteLoop: false });
    const follower = cli.spawn(folder, ['log', '-f', '-n', '1']);
    // The last line is printed after the follower started: from here on nothing is missed.
    await follower.line((l) => l.includes('Adding first'));
    await ex.runTask('first');
    const started = await follower.line((l) => l.includes('Starting first'));
    expect(started).toMatch(LOG_LINE);
    follower.child.kill('SIGINT');
    const end = await follower.exited;
    expect(end.exitCode, end.stderr).toBe(0);
    expect(end.signal).toBeNull();
  });
});
