// CLI run history and friends: `runs`, `show`, `save`, `cancel`, `next`, `emit` — the built bin as a subprocess.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Executor, RunRecord } from '../../src/index.js';
import { useCli, type CliResult } from '../helpers/cli.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/cli/run/', import.meta.url));
const fixture = (name: string): string => path.join(FIXTURES, name);
/** Shape of a run id: `YYYYMMDD-HHmmss-SSS-xxxxxx`. */
const RUN_ID = /^\d{8}-\d{6}-\d{3}-[0-9a-f]{6}$/;

const cli = useCli();

/** A new folder with an Executor on it (the test adds its tasks through the SDK). */
function setup(): { ex: Executor; folder: string } {
  const { folder } = cli.folder();
  return { ex: cli.kit.open(folder), folder };
}

/** Non-empty lines of a text. */
const linesOf = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** Expects exit `code`, nothing on stdout, and exactly one stderr line `executor: <errCode>: …` matching `message`. */
function expectError(r: CliResult, code: number, errCode: string, message?: RegExp): void {
  expect(r.exitCode, r.stderr).toBe(code);
  expect(r.stdout).toBe('');
  expect(linesOf(r.stderr), r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(new RegExp(`^executor: ${errCode}: \\S`));
  if (message) expect(r.stderr).toMatch(message);
}

/** Task `job` (lines.js) with one succeeded run and then one failed run (exit 3); resolves with their ids. */
async function twoRuns(ex: Executor): Promise<{ ok: string; failed: string }> {
  await ex.addTask('job', fixture('lines.js'), { infiniteLoop: false });
  const ok = await ex.runTask('job');
  await ex.waitRun(ok, { timeout: T(10_000) });
  const failed = await ex.runTask('job', { args: ['3'] });
  await ex.waitRun(failed, { timeout: T(10_000) });
  return { ok, failed };
}

/** A program `prog` of two steps (step.js), listening to `go`. */
function addProgram(ex: Executor): Promise<unknown> {
  return ex.addTask('prog', { wd: FIXTURES, steps: [{ name: 'first', script: 'step.js' }, { name: 'second', script: 'step.js' }], on: ['go'] });
}

describe('runs', () => {
  it('prints a table (RUN ID … STATUS … EXIT) with a row per run, newest first', async () => {
    const { ex, folder } = setup();
    const { ok, failed } = await twoRuns(ex);
    const r = await cli.run(folder, ['runs', 'job']);
    expect(r.exitCode, r.stderr).toBe(0);
    const [header, ...rows] = linesOf(r.stdout);
    for (const word of ['RUN ID', 'TASK', 'STATUS', 'EXIT']) expect(header).toContain(word);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(new RegExp(`^${failed}\\s+job\\s.*\\bfailed\\b.*\\s3\\b`));
    expect(rows[1]).toMatch(new RegExp(`^${ok}\\s+job\\s.*\\bsucceeded\\b.*\\s0\\b`));
  });

  it('--json prints the RunRecords; --status failed keeps the failed ones', async () => {
    const { ex, folder } = setup();
    const { ok, failed } = await twoRuns(ex);
    const r = await cli.run(folder, ['runs', 'job', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    const runs = JSON.parse(r.stdout) as RunRecord[];
    expect(runs.map((run) => run.runId)).toEqual([failed, ok]);
    expect(runs[0]).toMatchObject({ runId: failed, task: 'job', status: 'failed', exitCode: 3, steps: [] });
    expect(runs[1]).toMatchObject({ runId: ok, task: 'job', status: 'succeeded', exitCode: 0, steps: [] });
    expect(runs).toEqual(await ex.listRuns({ task: 'job' }));

    const only = await cli.run(folder, ['runs', 'job', '--status', 'failed', '--json']);
    expect(only.exitCode, only.stderr).toBe(0);
    expect((JSON.parse(only.stdout) as RunRecord[]).map((run) => [run.runId, run.status])).toEqual([[failed, 'failed']]);
  });

  it('a bad --status exits 2 naming the statuses', async () => {
    const { ex, folder } = setup();
    await ex.addTask('job', fixture('lines.js'), { infiniteLoop: false });
    const r = await cli.run(folder, ['runs', 'job', '--status', 'nope']);
    expectError(r, 2, 'ERR_INVALID_OPTION', /--status.*succeeded.*"nope"/);
  });
});

describe('show', () => {
  it('prints key/value lines and, for a program run, a steps table with the step names; --json is the RunRecord', async () => {
    const { ex, folder } = setup();
    await addProgram(ex);
    const runId = await ex.runTask('prog');
    const done = await ex.waitRun(runId, { timeout: T(10_000) });
    expect(done.status).toBe('succeeded');

    const r = await cli.run(folder, ['show', runId]);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines).toContain(`runId: ${runId}`);
    expect(lines).toContain('task: prog');
    expect(lines).toContain('status: succeeded');
    const table = lines.slice(lines.indexOf('') + 1).filter((l) => l !== '');
    expect(table[0]).toMatch(/^STEP\s+STATUS\b/);
    expect(table.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual([['first', 'completed'], ['second', 'completed']]);

    const json = await cli.run(folder, ['show', runId, '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    const run = JSON.parse(json.stdout) as RunRecord;
    expect(run).toEqual(await ex.getRun(runId));
    expect(run.steps.map((s) => s.name)).toEqual(['first', 'second']);
  });

  it('a script run has no steps table', async () => {
    const { ex, folder } = setup();
    const { failed } = await twoRuns(ex);
    const r = await cli.run(folder, ['show', failed]);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = linesOf(r.stdout);
    expect(lines).toContain(`runId: ${failed}`);
    expect(lines).toContain('status: failed');
    expect(lines.every((l) => /^\w+: /.test(l))).toBe(true);
  });

  it('an unknown run id exits 1 (ERR_RUN_NOT_FOUND)', async () => {
    const { ex, folder } = setup();
    await twoRuns(ex);
    const r = await cli.run(folder, ['show', '20000101-000000-000-abcdef']);
    expectError(r, 1, 'ERR_RUN_NOT_FOUND', /20000101-000000-000-abcdef/);
  });
});

describe('save', () => {
  it('pins a run under a name that `runs --saved --json` lists', async () => {
    const { ex, folder } = setup();
    const { ok, failed } = await twoRuns(ex);
    const r = await cli.run(folder, ['save', failed, '--name', 'keep', '--description', 'd']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(failed);
    expect(r.stdout).toContain('"keep"');

    const saved = await cli.run(folder, ['runs', '--saved', '--json']);
    expect(saved.exitCode, saved.stderr).toBe(0);
    const runs = JSON.parse(saved.stdout) as RunRecord[];
    expect(runs.map((run) => run.runId)).toEqual([failed]);
    expect(runs[0]!.saved).toMatchObject({ name: 'keep', description: 'd' });
    expect((await ex.getRun(ok)).saved).toBeNull();
  });

  it('without --name exits 2 and saves nothing', async () => {
    const { ex, folder } = setup();
    const { ok } = await twoRuns(ex);
    const r = await cli.run(folder, ['save', ok]);
    expectError(r, 2, 'ERR_USAGE', /--name/);
    expect(await ex.listRuns({ saved: true })).toEqual([]);
  });
});

describe('cancel', () => {
  it('cancels a live run: prints `run <id>: cancelled` and its process tree is gone', async () => {
    const { ex, folder } = setup();
    await ex.addTask('loop', fixture('loop.js'), { args: ['tree'] });
    const started = await cli.run(folder, ['run', 'loop']);
    expect(started.exitCode, started.stderr).toBe(0);
    const runId = started.stdout.trim();
    const output = await waitUntil(async () => {
      const lines = await ex.readOut('loop', 100, { run: runId });
      return lines.some((l) => l.startsWith('child ')) ? lines : null;
    }, { what: 'the loop and its child to start' });
    const script = Number(output.find((l) => l.startsWith('start '))!.split(' ')[2]);
    const child = Number(output.find((l) => l.startsWith('child '))!.split(' ')[1]);
    const { pid } = await ex.getRun(runId);
    for (const p of [pid, script, child]) expect(pidAlive(p), `pid ${p} alive before`).toBe(true);

    const r = await cli.run(folder, ['cancel', runId]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`run ${runId}: cancelled\n`);
    await waitUntil(() => [pid, script, child].every((p) => !pidAlive(p)), { timeoutMs: 5000, what: 'the run\'s process tree to be gone' });
    expect((await ex.getRun(runId)).status).toBe('cancelled');
  });
});

describe('next', () => {
  it('-n 3 prints 3 times of a periodic task; --json gives 3 ISO strings, strictly increasing', async () => {
    const { ex, folder } = setup();
    await ex.addTask('hourly', fixture('lines.js'), { period: '1 hour' });
    const r = await cli.run(folder, ['next', 'hourly', '-n', '3']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = linesOf(r.stdout);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} .*\(in .+\)$/);

    const json = await cli.run(folder, ['next', 'hourly', '-n', '3', '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    const times = JSON.parse(json.stdout) as string[];
    expect(times).toHaveLength(3);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const ms = times.map((t) => Date.parse(t));
    expect(ms[0]! < ms[1]! && ms[1]! < ms[2]!).toBe(true);
    expect(ms[1]! - ms[0]!).toBe(3_600_000);
  });

  it('a task without a schedule: --json is [], the text form says so on stderr, exit 0', async () => {
    const { ex, folder } = setup();
    await ex.addTask('plain', fixture('lines.js'), { infiniteLoop: false });
    const json = await cli.run(folder, ['next', 'plain', '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
    const text = await cli.run(folder, ['next', 'plain']);
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toBe('');
    expect(text.stderr).toMatch(/^plain has no schedule/);
  });
});

describe('emit', () => {
  it('prints one run id per listening task, and the run gets the event\'s data', async () => {
    const { ex, folder } = setup();
    await addProgram(ex);
    await ex.addTask('other', fixture('lines.js'), { infiniteLoop: false, on: ['elsewhere'] });
    const r = await cli.run(folder, ['emit', 'go', '--data', '{"p":1}']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\S+\n$/);
    const runId = r.stdout.trim();
    expect(runId).toMatch(RUN_ID);

    const show = await cli.run(folder, ['show', runId, '--json']);
    expect(show.exitCode, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ runId, task: 'prog', trigger: 'event', event: 'go', data: { p: 1 } });
  });

  it('with no listener: `No task listens` on stderr, exit 0; --json is []', async () => {
    const { ex, folder } = setup();
    await addProgram(ex);
    const r = await cli.run(folder, ['emit', 'nobody']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^No task listens to nobody/);
    const json = await cli.run(folder, ['emit', 'nobody', '--json']);
    expect(json.exitCode, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
    expect(await ex.listRuns()).toEqual([]);
  });
});
