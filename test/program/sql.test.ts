// SQL steps: a '.sql' step is fed on stdin to the interpreter the Executor's `interpreters` map gives '.sql'.
// Note: sqlite3 (3.40) exits 1 when a statement read from stdin fails, but without `-bail` it runs the statements
// after the failing one too; `-bail` stops at the first error. The failure tests configure `['sqlite3', '-bail', db]`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UnknownInterpreterError, type Executor } from '../../src/index.js';
import { expectRejected, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();
const FIX = fileURLToPath(new URL('../fixtures/program/', import.meta.url));
const WAIT = { timeout: T(15_000) };

/** A temp folder with an sqlite database path and an Executor whose '.sql' interpreter is `sqlite3 [...flags] <db>`. */
function setup(flags: string[] = []) {
  const dir = kit.tmpDir();
  const db = path.join(dir, 'app.db');
  const ex = kit.open(path.join(dir, 'exec'), { interpreters: { '.sql': ['sqlite3', ...flags, db] } });
  return { ex, db };
}

const query = (db: string, sql: string) => execFileSync('sqlite3', [db, sql], { encoding: 'utf8' }).trim();
const stepOutput = (ex: Executor, file: string | null) => readFileSync(path.join(ex.folder, file!), 'utf8');

describe('SQL steps', () => {
  it('runs create.sql then check.sql against the database; the second step prints the count', async () => {
    const { ex, db } = setup();
    await ex.addTask('etl', { wd: FIX, steps: [{ name: 'create', script: 'create.sql' }, { name: 'check', script: 'check.sql' }] });
    const run = await ex.waitRun(await ex.runTask('etl'), WAIT);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.name, s.status, s.exitCode])).toEqual([['create', 'completed', 0], ['check', 'completed', 0]]);
    expect(stepOutput(ex, run.steps[1]!.outputFile)).toContain('count=3');
    expect(query(db, 'SELECT group_concat(name) FROM (SELECT name FROM items ORDER BY id)')).toBe('apple,pear,plum');
    const [row] = await ex.listTasks();
    expect(row).toMatchObject({ name: 'etl', steps: ['create', 'check'] });
  });

  it('a SQL step can mix with a node step, and a third SQL step sees the rows', async () => {
    const { ex, db } = setup();
    await ex.addTask('mix', {
      wd: FIX,
      steps: [{ name: 'create', script: 'create.sql' }, { name: 'node', script: 'hist-step.js' }, { name: 'check', script: 'check.sql' }],
    });
    const run = await ex.waitRun(await ex.runTask('mix'), WAIT);
    expect(run.status).toBe('succeeded');
    expect(stepOutput(ex, run.steps[1]!.outputFile)).toContain(`step=node run=${run.runId}`);
    expect(stepOutput(ex, run.steps[2]!.outputFile)).toContain('count=3');
    expect(query(db, 'SELECT count(*) FROM items')).toBe('3');
  });

  it('a failing statement fails the step (-bail: later statements not run) and leaves later steps unprocessed', async () => {
    const { ex, db } = setup(['-bail']);
    await ex.addTask('etl', {
      wd: FIX, retryDelay: 50,
      steps: [{ name: 'create', script: 'create.sql' }, { name: 'bad', script: 'bad.sql' }, { name: 'check', script: 'check.sql' }],
    });
    const run = await ex.waitRun(await ex.runTask('etl'), WAIT);
    expect(run.status).toBe('failed');
    expect(run.step).toBe(1);
    expect(run.steps.map((s) => s.status)).toEqual(['completed', 'failed', 'unprocessed']);
    expect(run.steps[1]).toMatchObject({ exitCode: 1, retries: 0 }); // exit 1 is not a retry code
    expect(run.errorMessage).toMatch(/no such table: no_such_table/);
    expect(run.erroredAt).not.toBeNull();
    expect(run.finishedAt).toBeNull();
    expect(query(db, "SELECT group_concat(name) FROM items WHERE name IN ('before', 'after')")).toBe('before');
  });

  it('without -bail, sqlite3 still exits non-zero on a failed statement, so the step fails', async () => {
    const { ex } = setup();
    await ex.addTask('etl', { wd: FIX, steps: [{ name: 'create', script: 'create.sql' }, { name: 'bad', script: 'bad.sql' }] });
    const run = await ex.waitRun(await ex.runTask('etl'), WAIT);
    expect(run.status).toBe('failed');
    expect(run.steps.map((s) => s.status)).toEqual(['completed', 'failed']);
    expect(run.steps[1]!.exitCode).not.toBe(0);
  });

  it('a step-level interpreter command also feeds the SQL file on stdin', async () => {
    const dir = kit.tmpDir();
    const db = path.join(dir, 'step.db');
    const ex = kit.open(path.join(dir, 'exec'));
    const interpreter = ['sqlite3', '-bail', db];
    await ex.addTask('etl', { wd: FIX, steps: [{ name: 'create', script: 'create.sql', interpreter }, { name: 'check', script: 'check.sql', interpreter }] });
    const run = await ex.waitRun(await ex.runTask('etl'), WAIT);
    expect(run.status).toBe('succeeded');
    expect(stepOutput(ex, run.steps[1]!.outputFile)).toContain('count=3');
  });

  it('a .sql step with no .sql interpreter is rejected by addTask with UnknownInterpreterError, nothing written', async () => {
    const { ex } = kit.make();
    for (const steps of [
      [{ name: 'create', script: 'create.sql' }],
      [{ name: 'first', script: 'hist-step.js' }, { name: 'missing', script: 'not-there.sql' }],
    ]) {
      await expectRejected(() => ex.addTask('etl', { wd: FIX, steps }), UnknownInterpreterError, 'ERR_UNKNOWN_INTERPRETER', /`interpreter`.*got "\.sql"/, ex.folder);
    }
    expect(existsSync(path.join(ex.folder, 'tasks', 'etl.json'))).toBe(false);
    expect(await ex.listTasks()).toEqual([]);
  });
});
