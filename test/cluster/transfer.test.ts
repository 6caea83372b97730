// Issue 17, "Moving in and out": `executor cluster import` copies a folder's tasks into a cluster, `executor cluster
// export` writes a cluster's back to a folder (src/cluster/transfer.ts). Real folders with real tasks and runs, a real
// PostgreSQL (a fresh schema per test), the built CLI.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterError, Executor, FolderError, InvalidOptionError, SECRET_MASK, TaskNotFoundError } from '../../src/index.js';
import { exportCluster, importFolder } from '../../src/cluster/transfer.js';
import { TaskExistsError } from '../../src/errors/transfer.js';
import { runCli } from '../helpers/cli.js';
import { clusterUrl, fixture, snapshotFolder, useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { HASH_ENV, runOnce, sha, unique, useSecretsDir } from '../env/helpers.js';
import { newCluster } from './kit.js';

const kit = useExecutors();
const secretsDir = useSecretsDir(() => kit.tmpDir());

// Folder Executors (no cluster, whatever the project), stopped and closed after each test.
const folders: Executor[] = [];
afterEach(async () => {
  for (const ex of folders.splice(0)) {
    await ex.stopAll().catch(() => undefined);
    await ex.close().catch(() => undefined);
  }
});
function folderEx(dir: string): Executor {
  const ex = new Executor(dir);
  folders.push(ex);
  ex.on('start', (e) => kit.track(e.pid));
  return ex;
}

const HELLO = { interpreter: 'sh', infiniteLoop: false } as const;
const schemaOf = (url: string): string => new URL(url).searchParams.get('schema')!;
const schemaExists = (url: string): boolean => psql(clusterUrl()!, `SELECT count(*) FROM pg_namespace WHERE nspname = '${schemaOf(url)}'`) === '1';
const storedNames = (url: string): string[] => {
  if (!schemaExists(url)) return [];
  const out = psql(clusterUrl()!, `SELECT name FROM "${schemaOf(url)}".tasks ORDER BY name`);
  return out === '' ? [] : out.split('\n');
};

/** A folder with a one-shot task that ran once, a scheduled one, a disabled one, a dependency pair and a secret. */
async function sampleFolder(dir: string, secret: string): Promise<Executor> {
  const ex = folderEx(dir);
  await ex.addTask('hello', fixture('hello.sh'), HELLO);
  await ex.addTask('sched', fixture('hello.sh'), { ...HELLO, period: '1 hour' });
  await ex.addTask('off', fixture('hello.sh'), HELLO);
  await ex.disableTask('off');
  await ex.addTask('db', fixture('hello.sh'), HELLO);
  await ex.addTask('api', fixture('hello.sh'), { ...HELLO, dependsOn: ['db'], tags: ['web'] });
  await ex.addTask('secret', HASH_ENV, { env: { API_KEY: secret, PLAIN: 'shown' }, args: ['API_KEY', 'PLAIN'] });
  await ex.waitRun(await ex.runTask('hello'), { timeout: T(10_000) });
  await ex.startTask('sched'); // scheduled: it arrives stopped all the same
  return ex;
}

describe('cluster import and export', () => {
  it('round trip folder -> cluster -> another folder: definitions, enabled, finished runs and secret values kept; tasks arrive stopped', async () => {
    const secret = unique('apikey');
    const a = path.join(kit.tmpDir(), 'a');
    const source = await sampleFolder(a, secret);
    const url = newCluster('xfer');
    const report = await importFolder(a, { cluster: url, host: 'h1' });
    expect(report).toMatchObject({ from: a, to: url, dryRun: false });
    expect(report.rows.map((r) => [r.name, r.result])).toEqual([['api', 'copied'], ['db', 'copied'], ['hello', 'copied'], ['off', 'copied'], ['sched', 'copied'], ['secret', 'copied']]);
    expect(report.rows.find((r) => r.name === 'hello')).toMatchObject({ runs: 1, secrets: 'none', was: 'succeeded' });
    expect(report.rows.find((r) => r.name === 'sched')).toMatchObject({ was: 'scheduled' });
    expect(report.rows.find((r) => r.name === 'secret')).toMatchObject({ secrets: 'kept', missingSecrets: [] });

    // The cluster, from this host's folder: same definitions, all stopped, the disabled one still disabled.
    const c = kit.open(a, { cluster: url, host: 'h1' });
    const rows = await c.listTasks();
    expect(c.id).toBe(source.id); // a new cluster takes the folder's id
    expect(rows.map((r) => [r.name, r.status, r.enabled])).toEqual([['api', 'idle', true], ['db', 'idle', true], ['hello', 'idle', true], ['off', 'idle', false], ['sched', 'idle', true], ['secret', 'idle', true]]);
    expect(rows.find((r) => r.name === 'api')).toMatchObject({ dependsOn: ['db'], tags: ['web'], script: fixture('hello.sh') });
    expect(rows.find((r) => r.name === 'sched')).toMatchObject({ period: '1 hour' });
    expect(rows.find((r) => r.name === 'secret')!.env).toEqual({ API_KEY: SECRET_MASK, PLAIN: 'shown' });
    expect(psql(clusterUrl()!, `SELECT record::text FROM "${schemaOf(url)}".tasks WHERE name = 'secret'`)).not.toContain(secret);
    const [run] = await c.listRuns({ task: 'hello' });
    expect(run).toMatchObject({ task: 'hello', exitCode: 0, host: 'h1', status: 'succeeded' });
    expect((await c.readOut('hello', 5, { run: run!.runId })).join('\n')).toMatch(/hello/); // its output stayed in the folder
    expect(psql(clusterUrl()!, `SELECT tail LIKE '%hello%' FROM "${schemaOf(url)}".runs WHERE task = 'hello'`)).toBe('t');
    const elsewhere = kit.open(path.join(kit.tmpDir(), 'h2'), { cluster: url, host: 'h2' });
    expect((await elsewhere.readOut('hello', 5, { run: run!.runId })).join('\n')).toMatch(/hello/); // and its tail is in the cluster
    expect(Object.fromEntries((await runOnce(c, 'secret', T(10_000))).seen)).toEqual({ API_KEY: sha(secret), PLAIN: sha('shown') });
    expect(c.id).toBe(source.id);
    await c.close();

    // Back to a new folder: it takes the cluster's id; the secret is kept for it, not in its files.
    const b = path.join(kit.tmpDir(), 'b');
    const back = await exportCluster(b, { cluster: url });
    expect(back).toMatchObject({ from: url, to: b });
    expect(back.rows.find((r) => r.name === 'secret')).toMatchObject({ result: 'copied', secrets: 'kept', runs: 1 });
    expect(JSON.parse(readFileSync(path.join(b, 'executor.json'), 'utf8')).id).toBe(source.id);
    const exB = folderEx(b);
    expect((await exB.listTasks()).map((r) => [r.name, r.status, r.enabled])).toEqual(rows.map((r) => [r.name, 'idle', r.enabled]));
    expect((await exB.listRuns({ task: 'hello' })).map((r) => r.runId)).toEqual([run!.runId]);
    expect(Object.fromEntries((await runOnce(exB, 'secret', T(10_000))).seen)).toEqual({ API_KEY: sha(secret), PLAIN: sha('shown') });
    expect(JSON.stringify(snapshotFolder(b))).not.toContain(secret);
  });

  it('into a cluster with an id of its own: secret values (a program step\'s too) are kept again for it; the folder still runs its own', async () => {
    const secret = unique('apikey');
    const token = unique('steptok');
    const url = newCluster('xfer');
    const first = kit.open(path.join(kit.tmpDir(), 'other'), { cluster: url, host: 'h0' });
    await first.listTasks(); // the cluster now has the other folder's id
    const a = path.join(kit.tmpDir(), 'a');
    const ex = folderEx(a);
    await ex.addTask('secret', HASH_ENV, { env: { API_KEY: secret }, args: ['API_KEY'] });
    await ex.addTask('prog', { steps: [{ name: 's', script: HASH_ENV, env: { STEP_TOKEN: token }, args: ['STEP_TOKEN'] }] });
    const report = await importFolder(a, { cluster: url, host: 'h1' });
    expect(report.rows.map((r) => [r.name, r.secrets])).toEqual([['prog', 'kept'], ['secret', 'kept']]);
    const c = kit.open(a, { cluster: url, host: 'h1' });
    expect(await c.listTasks()).toHaveLength(2);
    expect(c.id).toBe(first.id);
    expect(c.id).not.toBe(ex.id);
    expect(Object.fromEntries((await runOnce(c, 'secret', T(10_000))).seen)).toEqual({ API_KEY: sha(secret) });
    const progRun = await c.runTask('prog');
    expect((await c.waitRun(progRun, { timeout: T(10_000) })).status).toBe('succeeded');
    expect(await c.readOut('prog', 5, { run: progRun, step: 's' })).toEqual([`STEP_TOKEN=${sha(token)}`]);
    expect(Object.fromEntries((await runOnce(ex, 'secret', T(10_000))).seen)).toEqual({ API_KEY: sha(secret) }); // the folder's copy untouched
  });

  it('a task already in the target is refused with nothing written, or skipped, or replaced (its state kept)', async () => {
    const url = newCluster('xfer');
    const c = kit.open(path.join(kit.tmpDir(), 'host'), { cluster: url, host: 'h1' });
    await c.addTask('db', fixture('hello.sh'), { ...HELLO, args: ['cluster'] });
    const a = path.join(kit.tmpDir(), 'a');
    const ex = folderEx(a);
    await ex.addTask('db', fixture('hello.sh'), { ...HELLO, args: ['folder'] });
    await ex.addTask('web', fixture('hello.sh'), HELLO);
    const error = await importFolder(a, { cluster: url }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(TaskExistsError);
    expect(error).toMatchObject({ code: 'ERR_TASK_EXISTS', names: ['db'], target: url, message: expect.stringContaining('nothing was written') });
    expect(storedNames(url)).toEqual(['db']);

    const skipped = await importFolder(a, { cluster: url, existing: 'skip' });
    expect(skipped.rows).toEqual([
      { name: 'db', result: 'skipped', reason: 'already there', was: 'idle', runs: 0, secrets: 'none', missingSecrets: [] },
      { name: 'web', result: 'copied', reason: null, was: 'idle', runs: 0, secrets: 'none', missingSecrets: [] },
    ]);
    expect((await c.listTasks()).find((r) => r.name === 'db')!.args).toEqual(['cluster']);

    const clusterRun = await c.waitRun(await c.runTask('db'), { timeout: T(10_000) });
    await c.disableTask('db');
    const replaced = await importFolder(a, { cluster: url, existing: 'replace', tasks: ['db'] });
    expect(replaced.rows.map((r) => [r.name, r.result])).toEqual([['db', 'replaced']]);
    const db = (await c.listTasks()).find((r) => r.name === 'db')!;
    expect(db).toMatchObject({ args: ['folder'], enabled: true }); // the definition and `enabled` from the folder
    expect(db).toMatchObject({ lastStartedAt: clusterRun.startedAt, lastExitCode: 0 }); // the rest of the state the cluster's
    expect((await c.listRuns({ task: 'db' })).map((r) => r.runId)).toEqual([clusterRun.runId]);
  });

  it('leaves live runs where they are: a running task arrives idle, without its live run; the folder\'s tasks are untouched', async () => {
    const a = path.join(kit.tmpDir(), 'a');
    const ex = folderEx(a);
    await ex.addTask('loop', fixture('loop.js'), { infiniteLoop: true });
    const started = await ex.startTask('loop');
    expect(started).toMatchObject({ result: 'started' });
    const before = snapshotFolder(path.join(a, 'tasks'));
    const url = newCluster('xfer');
    const report = await importFolder(a, { cluster: url });
    expect(report.rows).toEqual([{ name: 'loop', result: 'copied', reason: null, was: 'running', runs: 0, secrets: 'none', missingSecrets: [] }]);
    const c = kit.open(path.join(kit.tmpDir(), 'host'), { cluster: url });
    expect(await c.listTasks()).toMatchObject([{ name: 'loop', status: 'idle', pid: null }]);
    expect(await c.listRuns({ task: 'loop' })).toEqual([]);
    expect(snapshotFolder(path.join(a, 'tasks'))).toEqual(before);
    expect((await ex.listTasks())[0]).toMatchObject({ status: 'running', pid: started.pid });
  });

  it('checks everything before writing: names, relations the target would miss, options; a dry run writes nothing', async () => {
    const a = path.join(kit.tmpDir(), 'a');
    const ex = folderEx(a);
    await ex.addTask('db', fixture('hello.sh'), HELLO);
    await ex.addTask('api', fixture('hello.sh'), { ...HELLO, dependsOn: ['db'] });
    const url = newCluster('xfer');
    const dry = await importFolder(a, { cluster: url, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, rows: [{ name: 'api', result: 'copied' }, { name: 'db', result: 'copied' }] });
    expect(schemaExists(url)).toBe(false); // not even the schema
    const missing = await importFolder(a, { cluster: url, tasks: ['api'] }).then(() => null, (e: unknown) => e as Error);
    expect(missing).toBeInstanceOf(TaskNotFoundError);
    expect(missing!.message).toMatch(/"db".*in task "api"/);
    expect(storedNames(url)).toEqual([]);
    await expect(importFolder(a, { cluster: url, tasks: ['apy'] })).rejects.toMatchObject({ code: 'ERR_TASK_NOT_FOUND', suggestions: ['api'] });
    await expect(importFolder(a, {} as never)).rejects.toThrow(InvalidOptionError);
    await expect(importFolder(a, { cluster: url, existing: 'merge' as never })).rejects.toThrow(/Expected `existing` to be 'refuse', 'replace' or 'skip'/);
    await expect(importFolder(a, { cluster: url, force: true } as never)).rejects.toThrow(/known options/);
    await expect(importFolder(a, { cluster: url, tasks: ['bad name'] })).rejects.toThrow(/`tasks\[0\]`/);
    await expect(importFolder('', { cluster: url })).rejects.toThrow(/`folder`/);
    await expect(importFolder(path.join(kit.tmpDir(), 'none'), { cluster: url })).rejects.toThrow(FolderError);
    expect(storedNames(url)).toEqual([]);
    // Exporting a cluster that was never used: typed, and no folder is made.
    const b = path.join(kit.tmpDir(), 'b');
    await expect(exportCluster(b, { cluster: newCluster('never') })).rejects.toThrow(ClusterError);
    expect(existsSync(b)).toBe(false);
    // A dry export makes no folder either.
    await importFolder(a, { cluster: url });
    expect((await exportCluster(b, { cluster: url, dryRun: true })).rows.map((r) => r.result)).toEqual(['copied', 'copied']);
    expect(existsSync(b)).toBe(false);
  });

  it('a secret whose values are found nowhere here is reported; the task goes masked and fails to start with ERR_ENV_FILE', async () => {
    const secret = unique('apikey');
    const a = path.join(kit.tmpDir(), 'a');
    const ex = folderEx(a);
    await ex.addTask('secret', HASH_ENV, { env: { API_KEY: secret }, args: ['API_KEY'] });
    const url = newCluster('xfer');
    await importFolder(a, { cluster: url });
    rmSync(secretsDir(), { recursive: true, force: true }); // this machine no longer holds them
    const b = path.join(kit.tmpDir(), 'b');
    const report = await exportCluster(b, { cluster: url });
    expect(report.rows).toMatchObject([{ name: 'secret', result: 'copied', secrets: 'missing', missingSecrets: ['API_KEY'] }]);
    const exB = folderEx(b);
    expect((await exB.listTasks())[0]!.env).toEqual({ API_KEY: SECRET_MASK });
    await expect(exB.startTask('secret')).rejects.toMatchObject({ code: 'ERR_ENV_FILE', message: expect.stringContaining('API_KEY') });
  });

  it('the CLI: cluster import / export, a summary line or --json rows, --skip-existing, and usage errors', async () => {
    const a = path.join(kit.tmpDir(), 'a');
    const ex = folderEx(a);
    await ex.addTask('db', fixture('hello.sh'), HELLO);
    await ex.addTask('web', fixture('hello.sh'), HELLO);
    await ex.waitRun(await ex.runTask('web'), { timeout: T(10_000) });
    const url = newCluster('xfer');
    const env = { EXECUTOR_CLUSTER: url };
    const first = await runCli(['cluster', 'import', '--folder', a], { env });
    expect(first).toMatchObject({ exitCode: 0, stderr: '' });
    expect(first.stdout).toBe(`Imported 2 tasks into ${url}, with 1 finished run\n`);
    expect(storedNames(url)).toEqual(['db', 'web']);

    const again = await runCli(['--folder', a, 'cluster', 'import'], { env });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/^executor: ERR_TASK_EXISTS: .*"db", "web" already there/);
    const skip = await runCli(['--folder', a, '--cluster', url, 'cluster', 'import', '--skip-existing'], { env: { EXECUTOR_CLUSTER: undefined } });
    expect(skip).toMatchObject({ exitCode: 0, stdout: `Imported 0 tasks into ${url} (2 skipped: already there)\n` });
    const json = await runCli(['--folder', a, 'cluster', 'import', 'web', '--replace', '--no-runs', '--json'], { env });
    expect(json.exitCode).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([{ name: 'web', result: 'replaced', reason: null, was: 'succeeded', runs: 0, secrets: 'none', missingSecrets: [] }]);

    const b = path.join(kit.tmpDir(), 'b');
    const out = await runCli(['--folder', b, 'cluster', 'export'], { env });
    expect(out).toMatchObject({ exitCode: 0, stdout: `Exported 2 tasks to ${b}, with 1 finished run\n` });
    expect((await folderEx(b).listTasks()).map((r) => r.name)).toEqual(['db', 'web']);

    const noCluster = await runCli(['--folder', a, 'cluster', 'import'], { env: { EXECUTOR_CLUSTER: undefined } });
    expect(noCluster.exitCode).toBe(2);
    expect(noCluster.stderr).toMatch(/^executor: ERR_USAGE: Expected `--cluster` to be a PostgreSQL URL/);
    const both = await runCli(['--folder', a, 'cluster', 'import', '--replace', '--skip-existing'], { env });
    expect(both.exitCode).toBe(2);
    const noFolder = await runCli(['--folder', path.join(kit.tmpDir(), 'none'), 'cluster', 'import'], { env });
    expect(noFolder.exitCode).toBe(1);
    expect(noFolder.stderr).toMatch(/ERR_FOLDER_NOT_FOUND/);
  });
});
