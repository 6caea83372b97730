// Issue 16: a task's kept secret values are found by a start in any process (another HOME, XDG_STATE_HOME, no
// EXECUTOR_SECRETS_DIR), a value found nowhere fails the start with a typed error naming what was looked for and where,
// and a replace switches the values together with the record (a crash between the two writes leaves a record that
// starts with its own values).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import { forgetSecrets, lookupRoots } from '../../src/task/secrets.js';
import { folderStoreDir, SECRETS_DIR_ENV } from '../../src/task/secrets-store.js';
import { filesHolding, HASH_ENV, runOnce, seenIn, sha, unique, useSecretsDir } from '../env/helpers.js';
import { useExecutors, type ExecutorKit } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

const RUN_OR_ERROR = fileURLToPath(new URL('../fixtures/env/run-or-error.ts', import.meta.url));
const REPLACE_AND_DIE = fileURLToPath(new URL('../fixtures/env/replace-and-die.ts', import.meta.url));
const HOME_STORE = path.join('.local', 'state', 'executor-sdk', 'secrets');

const kit = useExecutors();
const secretsDir = useSecretsDir(() => kit.tmpDir());

/** Three generations of one task's env: secret names differ between them, and PLAIN says which one a run got. */
function generations() {
  const wd = path.join(kit.tmpDir(), 'wd');
  mkdirSync(wd);
  const v = { key1: unique('key1'), old1: unique('old1'), key2: unique('key2'), new2: unique('new2'), key3: unique('key3') };
  const args = ['API_KEY', 'OLD_TOKEN', 'NEW_TOKEN', 'PLAIN'];
  return {
    v,
    first: { wd, args, env: { API_KEY: v.key1, OLD_TOKEN: v.old1, PLAIN: 'one' } },
    second: { wd, args, env: { API_KEY: v.key2, NEW_TOKEN: v.new2, PLAIN: 'two' } },
    third: { wd, args, env: { API_KEY: v.key3, PLAIN: 'three' } },
    seenFirst: { API_KEY: sha(v.key1), OLD_TOKEN: sha(v.old1), NEW_TOKEN: '<unset>', PLAIN: sha('one') },
    seenSecond: { API_KEY: sha(v.key2), OLD_TOKEN: '<unset>', NEW_TOKEN: sha(v.new2), PLAIN: sha('two') },
    seenThird: { API_KEY: sha(v.key3), OLD_TOKEN: '<unset>', NEW_TOKEN: '<unset>', PLAIN: sha('three') },
  };
}

const recordRef = (ex: Executor, name: string): { gen: string; root: string } | undefined =>
  (JSON.parse(readFileSync(path.join(ex.folder, 'tasks', `${name}.json`), 'utf8')) as { task: { secretsRef?: { gen: string; root: string } } }).task.secretsRef;
const storeDir = (ex: Executor): string => folderStoreDir(secretsDir(), ex.folder, ex.id);
const genIn = (file: string): string | undefined => (JSON.parse(readFileSync(file, 'utf8')) as { gen?: string }).gen;

/** A HOME and an XDG_STATE_HOME of their own, and the env of a process that has them and no EXECUTOR_SECRETS_DIR. */
function elsewhere(): { home: string; state: string; env: NodeJS.ProcessEnv } {
  const base = kit.tmpDir();
  const home = path.join(base, 'home');
  const state = path.join(base, 'state');
  mkdirSync(home);
  mkdirSync(state);
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_STATE_HOME: state };
  delete env[SECRETS_DIR_ENV];
  return { home, state, env };
}

/** Runs a fixture with `node --import tsx` and `env`; resolves with its exit code and its last JSON line. */
function runChild(k: ExecutorKit, script: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; line: Record<string, unknown>; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  k.track(child.pid!);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} did not end in time; stderr: ${err}`));
    }, T(30_000));
    child.on('close', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      if (last === undefined) reject(new Error(`${path.basename(script)} printed no JSON line (exit ${code}); stderr: ${err}`));
      else resolve({ code, line: JSON.parse(last) as Record<string, unknown>, stderr: err });
    });
  });
}

describe('where a start finds the kept values', () => {
  it('a process with another HOME and XDG_STATE_HOME, and no EXECUTOR_SECRETS_DIR, finds them in the store the record names', async () => {
    const g = generations();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, g.first);
    expect(recordRef(ex, 'api')).toEqual({ gen: expect.stringMatching(/^[0-9a-f]{16}$/), root: secretsDir() });
    const other = elsewhere();
    const { line } = await runChild(kit, RUN_OR_ERROR, [ex.folder, 'api'], other.env);
    expect(line).toMatchObject({ exitCode: 0 });
    expect(Object.fromEntries(seenIn(await ex.readOut('api', 10, { run: line.runId as string })))).toEqual(g.seenFirst);
    expect(existsSync(path.join(other.state, 'executor-sdk'))).toBe(false); // it looked, and wrote nothing there
    for (const value of Object.values(g.v)) expect(filesHolding(ex.folder, value)).toEqual([]);
  });

  it('when the store the record names no longer has them, it finds them under the home of the folder\'s owner (account database)', async () => {
    const g = generations();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, g.first);
    // As if the values had been kept by the owner's default store: the record's store has nothing any more.
    const ownerStore = path.join(os.userInfo().homedir, HOME_STORE);
    const moved = path.join(ownerStore, path.basename(storeDir(ex)));
    cpSync(storeDir(ex), moved, { recursive: true });
    rmSync(storeDir(ex), { recursive: true });
    try {
      const other = elsewhere();
      expect(lookupRoots(ex.folder, secretsDir(), other.env)).toEqual([secretsDir(), path.join(other.state, 'executor-sdk', 'secrets'), path.join(other.home, HOME_STORE), ownerStore]);
      const { line } = await runChild(kit, RUN_OR_ERROR, [ex.folder, 'api'], other.env);
      expect(line).toMatchObject({ exitCode: 0 });
      expect(Object.fromEntries(seenIn(await ex.readOut('api', 10, { run: line.runId as string })))).toEqual(g.seenFirst);
    } finally {
      rmSync(moved, { recursive: true, force: true });
    }
  });

  it('values found nowhere fail the start with ERR_ENV_FILE naming the task, the variables and every file looked in, never a value', async () => {
    const g = generations();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, g.first);
    rmSync(storeDir(ex), { recursive: true });
    const other = elsewhere();
    const { line } = await runChild(kit, RUN_OR_ERROR, [ex.folder, 'api'], other.env);
    const error = line.error as { name: string; code: string; file: string; message: string };
    expect(error).toMatchObject({ name: 'SecretsFileError', code: 'ERR_ENV_FILE', file: path.join(storeDir(ex), 'api.json') });
    const looked = [secretsDir(), path.join(other.state, 'executor-sdk', 'secrets'), path.join(other.home, HOME_STORE), path.join(os.userInfo().homedir, HOME_STORE)];
    for (const part of ['"api"', 'API_KEY', 'OLD_TOKEN', ...looked.map((root) => path.join(folderStoreDir(root, ex.folder, ex.id), 'api.json'))]) {
      expect(error.message).toContain(part);
    }
    for (const value of Object.values(g.v)) expect(error.message).not.toContain(value);
    // The same in this process; nothing was started, not with `***` either.
    await expect(ex.startTask('api')).rejects.toMatchObject({ name: 'SecretsFileError', code: 'ERR_ENV_FILE', message: expect.stringContaining('API_KEY, OLD_TOKEN') });
    const [row] = await ex.listTasks();
    expect(row).toMatchObject({ pid: null });
    expect(row!.status).not.toBe('running');
    expect(await ex.listRuns({ task: 'api' })).toEqual([]);
  });

  it('a record whose secretsRef could lead outside the store is refused as corrupt', async () => {
    const g = generations();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, g.first);
    const file = path.join(ex.folder, 'tasks', 'api.json');
    const record = JSON.parse(readFileSync(file, 'utf8')) as { task: { secretsRef: unknown } };
    record.task.secretsRef = { gen: '../../../etc/x', root: secretsDir() };
    writeFileSync(file, JSON.stringify(record));
    await expect(ex.startTask('api')).rejects.toMatchObject({ code: 'ERR_CORRUPT_RECORD', message: expect.stringContaining('secretsRef') });
  });
});

describe('a replace switches the kept values with the record', () => {
  it('the record names the generation on disk, the old copy goes, and a run gets the new values only', async () => {
    const g = generations();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, g.first);
    const current = path.join(storeDir(ex), 'api.json');
    const first = recordRef(ex, 'api')!.gen;
    expect(genIn(current)).toBe(first);
    await ex.addTask('api', HASH_ENV, { ...g.second, replace: true });
    const second = recordRef(ex, 'api')!.gen;
    expect(second).not.toBe(first);
    expect(genIn(current)).toBe(second);
    await waitUntil(() => !existsSync(path.join(storeDir(ex), 'previous')), { what: 'the replaced copy removed' });
    expect(filesHolding(secretsDir(), g.v.key1)).toEqual([]);
    expect(filesHolding(secretsDir(), g.v.old1)).toEqual([]);
    expect(Object.fromEntries((await runOnce(ex, 'api', T(20_000))).seen)).toEqual(g.seenSecond);
  });

  it('a process that dies between keeping the new values and writing the record leaves the old record starting with the old values; the next write cleans up', async () => {
    const g = generations();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, g.first);
    const first = recordRef(ex, 'api')!.gen;
    // The record write of the replace fails (its journal append cannot be made), and the process dies at once.
    const journal = path.join(ex.folder, 'journal.log');
    rmSync(journal, { force: true });
    mkdirSync(journal);
    const replace = await runChild(kit, REPLACE_AND_DIE, [ex.folder, 'api', HASH_ENV, JSON.stringify(g.second)], process.env);
    rmSync(journal, { recursive: true });
    expect(replace).toMatchObject({ code: 3, line: { error: { code: expect.any(String) } } });
    // What it left: the old record, the new values as the current copy, the old ones set aside.
    expect(recordRef(ex, 'api')!.gen).toBe(first);
    expect(genIn(path.join(storeDir(ex), 'api.json'))).not.toBe(first);
    expect(genIn(path.join(storeDir(ex), 'previous', `api.${first}.json`))).toBe(first);
    expect(filesHolding(secretsDir(), g.v.key2)).not.toEqual([]);
    // A start goes with its record: the old values, none of the new.
    expect(Object.fromEntries((await runOnce(ex, 'api', T(30_000))).seen)).toEqual(g.seenFirst);
    // The next write puts the store in line first; once its record is written, nothing of the first two is left.
    await ex.addTask('api', HASH_ENV, { ...g.third, replace: true });
    await waitUntil(() => !existsSync(path.join(storeDir(ex), 'previous')), { what: 'the replaced copy removed' });
    for (const value of [g.v.key1, g.v.old1, g.v.key2, g.v.new2]) expect(filesHolding(secretsDir(), value)).toEqual([]);
    expect(Object.fromEntries((await runOnce(ex, 'api', T(20_000))).seen)).toEqual(g.seenThird);
  });
});

describe('removing kept values from the store they are in', () => {
  it('cancelRun and forgetSecrets reach the store the record names from a process whose own store is elsewhere', async () => {
    const g = generations();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, { ...g.first, concurrency: 1 });
    const hold = path.join(g.first.wd, 'go');
    const live = await ex.runTask('api', { args: ['--hold', hold] });
    const queued = await ex.runTask('api', { env: { QUEUED_TOKEN: unique('queued') }, args: ['QUEUED_TOKEN'] });
    const kept = path.join(storeDir(ex), 'runs', 'api', `${queued}.json`);
    expect(existsSync(kept)).toBe(true);
    const own = process.env[SECRETS_DIR_ENV];
    process.env[SECRETS_DIR_ENV] = path.join(kit.tmpDir(), 'another-store');
    try {
      await ex.cancelRun(queued);
      expect(existsSync(kept)).toBe(false);
      const warnings: string[] = [];
      await forgetSecrets({ folder: ex.folder, id: ex.id, warn: (m) => warnings.push(m) }, 'api', own ?? null);
      expect(existsSync(path.join(storeDir(ex), 'api.json'))).toBe(false);
      expect(warnings).toEqual([]);
    } finally {
      process.env[SECRETS_DIR_ENV] = own;
    }
    writeFileSync(hold, '');
    await ex.waitRun(live, { timeout: T(20_000) });
  });
});
