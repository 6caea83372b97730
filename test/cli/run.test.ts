// CLI `run`: the built bin as a subprocess — run ids, --wait streaming and exit codes, --json, --data, --trigger,
// programs, `run --file` jobs, and usage errors.
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Executor, RunRecord } from '../../src/index.js';
import { useCli, type CliResult } from '../helpers/cli.js';
import { T } from '../helpers/time.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/cli/run/', import.meta.url));
const fixture = (name: string): string => path.join(FIXTURES, name);
/** Shape of a run id: `YYYYMMDD-HHmmss-SSS-xxxxxx`. */
const RUN_ID = /^\d{8}-\d{6}-\d{3}-[0-9a-f]{6}$/;

const cli = useCli();

/** A new folder with an Executor on it (the test adds its tasks through the SDK). */
function setup(): { ex: Executor; folder: string; dir: string } {
  const { folder, dir } = cli.folder();
  return { ex: cli.kit.open(folder), folder, dir };
}

/** Non-empty lines of a text. */
const linesOf = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** The `executor: CODE: …` error lines of stderr (each error report is exactly one line). */
const errorLines = (r: CliResult): string[] => linesOf(r.stderr).filter((l) => l.startsWith('executor: '));

/** Expects exit `code` and one error line `executor: <errCode>: …` (no stack). */
function expectError(r: CliResult, code: number, errCode: string, message?: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(code);
  const errors = errorLines(r);
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(new RegExp(`^executor: ${errCode}: \\S`));
  if (message) expect(errors[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

describe('run NAME', () => {
  it('prints just the run id and exits 0; the run is recorded and succeeds', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', fixture('lines.js'), { infiniteLoop: false });
    const r = await cli.run(folder, ['run', 'job']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\S+\n$/);
    expect(r.stderr).toBe('');
    const runId = r.stdout.trim();
    expect(runId).toMatch(RUN_ID);
    const run = await ex.waitRun(runId, { timeout: T(10_000) });
    expect(run).toMatchObject({ runId, task: 'job', trigger: 'manual', status: 'succeeded', exitCode: 0 });
  });

  it('--json prints { runId }', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', fixture('lines.js'), { infiniteLoop: false });
    const r = await cli.run(folder, ['run', 'job', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { runId: string };
    expect(Object.keys(out)).toEqual(['runId']);
    expect(out.runId).toMatch(RUN_ID);
    expect((await ex.getRun(out.runId)).task).toBe('job');
  });

  it('--wait streams the output lines in order on stdout and exits 0', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', fixture('lines.js'), { infiniteLoop: false });
    const r = await cli.run(folder, ['run', 'job', '--wait']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('line 1\nline 2\nline 3\n');
    expect(errorLines(r)).toEqual([]);
    const [run] = await ex.listRuns({ task: 'job' });
    expect(run).toMatchObject({ status: 'succeeded', exitCode: 0 });
    expect(r.stderr).toContain(`${run!.runId} of job: succeeded, exit 0`); // the summary goes to stderr
  });

  it('--wait on a run exiting 3 exits 3 with one `executor: ERR_RUN_FAILED: …` line', async () => {
    const { ex, folder } = setup();
    await ex.addTask('bad', fixture('lines.js'), { infiniteLoop: false, args: ['3'] });
    const r = await cli.run(folder, ['run', 'bad', '--wait']);
    expectError(r, 3, 'ERR_RUN_FAILED', /exit 3/);
    expect(r.stdout).toBe('line 1\nline 2\nline 3\n');
    const [run] = await ex.listRuns({ task: 'bad' });
    expect(errorLines(r)[0]).toContain(run!.runId);
  });

  it('--wait on a run killed by a signal exits 1', async () => {
    const { ex, folder } = setup();
    await ex.addTask('dies', fixture('self-kill.js'), { infiniteLoop: false });
    const r = await cli.run(folder, ['run', 'dies', '--wait']);
    expectError(r, 1, 'ERR_RUN_FAILED', /SIGKILL/);
    expect(r.stdout).toBe('dying\n');
    const [run] = await ex.listRuns({ task: 'dies' });
    expect(run).toMatchObject({ status: 'failed', exitCode: null, signal: 'SIGKILL' });
  });

  it('--wait --json prints the final RunRecord (no streaming) and still exits with the run\'s code', async () => {
    const { ex, folder } = setup();
    await ex.addTask('bad', fixture('lines.js'), { infiniteLoop: false, args: ['3'] });
    const r = await cli.run(folder, ['run', 'bad', '--wait', '--json']);
    expect(r.exitCode, r.stderr).toBe(3);
    const run = JSON.parse(r.stdout) as RunRecord;
    expect(run).toMatchObject({ task: 'bad', status: 'failed', exitCode: 3, steps: [] });
    expect(run.runId).toMatch(RUN_ID);
    expect(run.endedAt).not.toBeNull();
    expect(r.stdout).not.toContain('line 1');
    expect(run).toEqual(await ex.getRun(run.runId));
  });

  it('--data reaches the run (EXECUTOR_RUN_FILE) and is recorded', async () => {
    const { ex, folder } = setup();
    await ex.addTask('data', fixture('data.js'), { infiniteLoop: false });
    const r = await cli.run(folder, ['run', 'data', '--data', '{"k":1}', '--wait']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(linesOf(r.stdout)).toContain('k=1');
    const [run] = await ex.listRuns({ task: 'data' });
    expect(run!.data).toEqual({ k: 1 });
  });

  it('--trigger reaches the run as EXECUTOR_TRIGGER (ISO, UTC)', async () => {
    const { ex, folder } = setup();
    await ex.addTask('data', fixture('data.js'), { infiniteLoop: false });
    const r = await cli.run(folder, ['run', 'data', '--trigger', '2019-01-01T08:00:00', '--wait'], { env: { TZ: 'UTC' } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(linesOf(r.stdout)).toContain('trigger=2019-01-01T08:00:00.000Z');
    const [run] = await ex.listRuns({ task: 'data' });
    expect(run!.triggerTime).toBe('2019-01-01T08:00:00.000Z');
  });

  it('bad --data JSON exits 2 (ERR_USAGE) and records no run', async () => {
    const { ex, folder } = setup();
    await ex.addTask('data', fixture('data.js'), { infiniteLoop: false });
    const r = await cli.run(folder, ['run', 'data', '--data', '{x']);
    expectError(r, 2, 'ERR_USAGE', /--data/);
    expect(r.stdout).toBe('');
    expect(await ex.listRuns({ task: 'data' })).toEqual([]);
  });

  it('bad --trigger exits 2 (ERR_INVALID_TRIGGER) and records no run', async () => {
    const { ex, folder } = setup();
    await ex.addTask('data', fixture('data.js'), { infiniteLoop: false });
    const r = await cli.run(folder, ['run', 'data', '--trigger', 'nope']);
    expectError(r, 2, 'ERR_INVALID_TRIGGER', /"nope"/);
    expect(r.stdout).toBe('');
    expect(await ex.listRuns({ task: 'data' })).toEqual([]);
  });

  it('--wait on a program streams every step\'s lines, in order', async () => {
    const { ex, folder } = setup();
    await ex.addTask('prog', { wd: FIXTURES, steps: [{ name: 'first', script: 'step.js' }, { name: 'second', script: 'step.js' }] });
    const r = await cli.run(folder, ['run', 'prog', '--wait']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('step first says hi\nstep second says hi\n');
    const [run] = await ex.listRuns({ task: 'prog' });
    expect(run!.status).toBe('succeeded');
    expect(run!.steps.map((s) => [s.name, s.status])).toEqual([['first', 'completed'], ['second', 'completed']]);
  });

  it('with neither a name nor --file exits 2 (ERR_USAGE)', async () => {
    const { folder } = setup();
    const r = await cli.run(folder, ['run']);
    expectError(r, 2, 'ERR_USAGE');
    expect(r.stdout).toBe('');
  });

  it('an unknown task exits 1 (ERR_TASK_NOT_FOUND)', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', fixture('lines.js'), { infiniteLoop: false });
    const r = await cli.run(folder, ['run', 'nope']);
    expectError(r, 1, 'ERR_TASK_NOT_FOUND', /"nope"/);
    expect(r.stdout).toBe('');
  });

  it('a task whose script has gone missing exits 1 (ERR_SCRIPT_NOT_FOUND: not a value typed) and records no run', async () => {
    const { ex, folder, dir } = setup();
    const script = path.join(dir, 'gone.js');
    writeFileSync(script, '');
    await ex.addTask('job', script, { infiniteLoop: false });
    rmSync(script);
    const r = await cli.run(folder, ['run', 'job']);
    expectError(r, 1, 'ERR_SCRIPT_NOT_FOUND', /gone\.js/);
    expect(await ex.listRuns({ task: 'job' })).toEqual([]);
  });
});

describe('run --file', () => {
  /** A folder with task `job` (data.js, failing when the trigger day is 2019-01-02) and a jobs file in `dir`. */
  async function jobs(lines: string[]): Promise<{ ex: Executor; folder: string; dir: string }> {
    const s = setup();
    await s.ex.addTask('job', fixture('data.js'), { infiniteLoop: false, env: { FAIL_DAY: '2019-01-02' } });
    writeFileSync(path.join(s.dir, 'jobs.txt'), `# backfill\n${lines.join('\n')}\n`);
    return s;
  }

  it('runs each `name trigger` line and prints one line per run; exit 0 when all succeed', async () => {
    const { ex, folder, dir } = await jobs(['job 2019-01-01/08:00:00', 'job 2019-01-03/08:00:00']);
    const r = await cli.run(folder, ['run', '--file', 'jobs.txt'], { cwd: dir, env: { TZ: 'UTC' } });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = linesOf(r.stdout);
    expect(out).toHaveLength(2);
    for (const line of out) expect(line).toMatch(/^job \d{8}-\d{6}-\d{3}-[0-9a-f]{6} succeeded exit 0$/);
    const byId = new Map((await ex.listRuns({ task: 'job' })).map((run) => [run.runId, run]));
    expect(out.map((l) => byId.get(l.split(' ')[1]!)?.triggerTime)).toEqual(['2019-01-01T08:00:00.000Z', '2019-01-03T08:00:00.000Z']);
  });

  it('exits 1 when one run fails, still printing every run', async () => {
    const { folder, dir } = await jobs(['job 2019-01-01/08:00:00', 'job 2019-01-02/08:00:00', 'job 2019-01-03/08:00:00']);
    const r = await cli.run(folder, ['run', '--file', path.join(dir, 'jobs.txt')], { env: { TZ: 'UTC' } });
    expect(r.exitCode, r.stderr).toBe(1);
    const out = linesOf(r.stdout);
    expect(out).toHaveLength(3);
    expect(out.map((l) => l.replace(/^job \S+ /, ''))).toEqual(['succeeded exit 0', 'failed exit 4', 'succeeded exit 0']);
  });

  it('--json prints the RunRecords, in line order', async () => {
    const { folder, dir } = await jobs(['job 2019-01-01/08:00:00', 'job 2019-01-02/08:00:00']);
    const r = await cli.run(folder, ['run', '--file', 'jobs.txt', '--json'], { cwd: dir, env: { TZ: 'UTC' } });
    expect(r.exitCode, r.stderr).toBe(1);
    const runs = JSON.parse(r.stdout) as RunRecord[];
    expect(Array.isArray(runs)).toBe(true);
    expect(runs.map((run) => [run.task, run.triggerTime, run.status, run.exitCode])).toEqual([
      ['job', '2019-01-01T08:00:00.000Z', 'succeeded', 0],
      ['job', '2019-01-02T08:00:00.000Z', 'failed', 4],
    ]);
    for (const run of runs) expect(run.runId).toMatch(RUN_ID);
  });
});
