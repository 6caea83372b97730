// Issue 17, secrets across hosts: in cluster mode with EXECUTOR_SECRETS_KEY (the same on every host and client), a
// task's secret env values, and a queued run's own, are sealed (AES-256-GCM) into the cluster's `secrets` table, so a
// run handed to any host gets them, though each host has its own HOME and secrets store. Without the key on a host,
// its start fails with an ERR_ENV_FILE that says so; under another key, a typed error.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SecretsKeyError } from '../../src/errors/secrets.js';
import { exportCluster, importFolder } from '../../src/cluster/transfer.js';
import { openSecrets, parseSecretsKey, sealSecrets, SECRETS_KEY_ENV } from '../../src/cluster/secrets-key.js';
import { queryNow } from '../../src/cluster/secrets-sync.js';
import { Executor } from '../../src/index.js';
import { SECRETS_DIR_ENV } from '../../src/task/secrets-store.js';
import { filesHolding, HASH_ENV, seenIn, sha, unique } from '../env/helpers.js';
import { clusterUrl, useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const LEASE_MS = 5000;
const ENV_CHECK = fileURLToPath(new URL('../fixtures/cluster/env-check.mjs', import.meta.url));

// This process (the client): its own secrets store, and the key it is given per test.
let saved: Record<string, string | undefined> = {};
beforeEach(() => {
  saved = { [SECRETS_KEY_ENV]: process.env[SECRETS_KEY_ENV], [SECRETS_DIR_ENV]: process.env[SECRETS_DIR_ENV] };
  process.env[SECRETS_DIR_ENV] = path.join(kit.tmpDir(), 'client-secrets');
  delete process.env[SECRETS_KEY_ENV];
});
afterEach(() => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const newKey = (): string => randomBytes(32).toString('hex');
const schemaOf = (cluster: string): string => new URL(cluster).searchParams.get('schema')!;
const sql = (cluster: string, text: string): string => psql(clusterUrl()!, text.replaceAll('{s}', `"${schemaOf(cluster)}"`));

// A host with a HOME and a secrets store of its own (as on another machine), and `key` (none: undefined).
function hostOn(cluster: string, name: string, key: string | undefined, options: Record<string, unknown> = {}) {
  const home = path.join(kit.tmpDir(), `home-${name}`);
  mkdirSync(home, { recursive: true });
  return startHost(cluster, name, LEASE_MS, options, { HOME: home, [SECRETS_DIR_ENV]: path.join(home, 'secrets'), XDG_STATE_HOME: undefined, [SECRETS_KEY_ENV]: key });
}

function client(cluster: string, key: string | undefined): Executor {
  if (key === undefined) delete process.env[SECRETS_KEY_ENV];
  else process.env[SECRETS_KEY_ENV] = key;
  return kit.open(kit.tmpDir(), { cluster, host: 'client' });
}

const workDir = (): string => {
  const wd = path.join(kit.tmpDir(), 'wd');
  mkdirSync(wd, { recursive: true });
  return wd;
};

describe('cluster: secret values across hosts', () => {
  it('a client adds a task with a secret and hands runs to two hosts: each run sees the value; the table holds it sealed', async () => {
    const cluster = newCluster('secrets');
    const key = newKey();
    const hosts = await Promise.all(['host-a', 'host-b'].map((h) => hostOn(cluster, h, key, { capacity: 1 })));
    const ex = client(cluster, key);
    const token = unique('api-token');
    const wd = workDir();
    const hold = path.join(wd, 'go');
    await ex.addTask('show', HASH_ENV, { wd, env: { API_TOKEN: token, PLAIN: 'p' }, args: ['--hold', hold, 'API_TOKEN', 'PLAIN'], concurrency: 2 });
    // Two runs at once, one host each (capacity 1): both see the value.
    const ids = [await ex.runTask('show'), await ex.runTask('show')];
    await waitUntil(async () => (await ex.listRuns({ task: 'show' })).filter((r) => r.status === 'running').length === 2, { what: 'both runs started', timeoutMs: T(30_000) });
    writeFileSync(hold, '');
    const runs = await Promise.all(ids.map((id) => ex.waitRun(id, { timeout: T(30_000) })));
    expect(runs.map((r) => r.exitCode)).toEqual([0, 0]);
    expect(new Set(runs.map((r) => r.host))).toEqual(new Set(hosts.map((h) => h.name)));
    for (const id of ids) expect(Object.fromEntries(seenIn(await ex.readOut('show', 10, { run: id })))).toEqual({ API_TOKEN: sha(token), PLAIN: sha('p') });
    // A queued run's own secret env goes the same way (its row: run:<runId>).
    const runToken = unique('run-token');
    const own = await ex.runTask('show', { env: { RUN_TOKEN: runToken }, args: ['API_TOKEN', 'RUN_TOKEN'] });
    expect((await ex.waitRun(own, { timeout: T(30_000) })).exitCode).toBe(0);
    expect(Object.fromEntries(seenIn(await ex.readOut('show', 10, { run: own })))).toEqual({ API_TOKEN: sha(token), RUN_TOKEN: sha(runToken) });
    // The table holds sealed bodies only; the record holds `***`; nothing is kept in the client's store.
    const bodies = sql(cluster, 'SELECT task, gen, body FROM {s}.secrets');
    expect(bodies).toContain('aes-256-gcm');
    expect(bodies).not.toContain(token);
    expect(bodies).not.toContain(runToken);
    expect(bodies).not.toContain(Buffer.from(token).toString('base64'));
    expect(sql(cluster, 'SELECT record::text FROM {s}.tasks')).not.toContain(token);
    expect(filesHolding(kit.tmpDir(), token)).toEqual([]);
    // A replace keeps one generation (the new one); a removal takes every row of the task.
    const token2 = unique('api-token-2');
    await ex.addTask('show', HASH_ENV, { wd, env: { API_TOKEN: token2 }, args: ['API_TOKEN'], replace: true });
    const gen = (JSON.parse(sql(cluster, "SELECT record::text FROM {s}.tasks WHERE name = 'show'")) as { task: { secretsRef: { gen: string } } }).task.secretsRef.gen;
    await waitUntil(() => sql(cluster, "SELECT gen FROM {s}.secrets WHERE task = 'show' ORDER BY gen") === gen, { what: 'only the new generation kept', timeoutMs: T(10_000) });
    const started = await ex.startTask('show'); // a start handed to a host
    expect(started).toMatchObject({ result: 'started' });
    await waitUntil(async () => (await ex.listRuns({ task: 'show' })).filter((r) => r.status !== 'running').length === 4, { what: 'the started run ended', timeoutMs: T(20_000) });
    const last = (await ex.listRuns({ task: 'show' })).find((r) => r.runId !== own && !ids.includes(r.runId))!;
    expect(Object.fromEntries(seenIn(await ex.readOut('show', 10, { run: last.runId })))).toEqual({ API_TOKEN: sha(token2) });
    await ex.removeTask('show');
    expect(sql(cluster, "SELECT count(*) FROM {s}.secrets WHERE task = 'show'")).toBe('0');
  }, T(120_000));

  it('a host without the key fails the start with ERR_ENV_FILE naming the task, the variables and EXECUTOR_SECRETS_KEY', async () => {
    const cluster = newCluster('secrets_nokey');
    await hostOn(cluster, 'host-a', undefined);
    const ex = client(cluster, newKey());
    const token = unique('api-token');
    await ex.addTask('show', HASH_ENV, { wd: workDir(), env: { API_TOKEN: token }, args: ['API_TOKEN'] });
    const run = await ex.waitRun(await ex.runTask('show'), { timeout: T(30_000) });
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toContain('API_TOKEN');
    expect(run.errorMessage).toContain('"show"');
    expect(run.errorMessage).toContain(SECRETS_KEY_ENV);
    expect(run.errorMessage).not.toContain(token);
  }, T(60_000));

  it('without a key anywhere, a run on another host fails with ERR_ENV_FILE saying the cluster needs EXECUTOR_SECRETS_KEY on every host', async () => {
    const cluster = newCluster('secrets_keyless');
    await hostOn(cluster, 'host-a', undefined);
    const ex = client(cluster, undefined);
    const token = unique('api-token');
    await ex.addTask('show', HASH_ENV, { wd: workDir(), env: { API_TOKEN: token }, args: ['API_TOKEN'] });
    expect(sql(cluster, 'SELECT count(*) FROM {s}.secrets')).toBe('0'); // kept in this machine's store, as before
    const run = await ex.waitRun(await ex.runTask('show'), { timeout: T(30_000) });
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toMatch(/no value for API_TOKEN/);
    expect(run.errorMessage).toContain('"show"');
    expect(run.errorMessage).toContain(`same ${SECRETS_KEY_ENV} on every host`);
    expect(run.errorMessage).not.toContain(token);
  }, T(60_000));

  it('another key: a typed error (addTask writes nothing; a host under it fails the start, naming no value)', async () => {
    const cluster = newCluster('secrets_badkey');
    const key = newKey();
    await hostOn(cluster, 'host-a', newKey()); // the wrong one
    const ex = client(cluster, key);
    const token = unique('api-token');
    await ex.addTask('show', HASH_ENV, { wd: workDir(), env: { API_TOKEN: token }, args: ['API_TOKEN'] });
    const run = await ex.waitRun(await ex.runTask('show'), { timeout: T(30_000) });
    expect(run.status).toBe('failed');
    expect(run.errorMessage).toContain(`Expected ${SECRETS_KEY_ENV} to be the cluster's secrets key`);
    expect(run.errorMessage).not.toContain(token);
    // A client under another key may not add values the hosts could not open.
    process.env[SECRETS_KEY_ENV] = 'a passphrase that is not the key';
    const error = await ex.addTask('other', HASH_ENV, { wd: workDir(), env: { API_TOKEN: token } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsKeyError);
    expect(error).toMatchObject({ code: 'ERR_ENV_FILE', task: 'other', keyId: parseSecretsKey('a passphrase that is not the key').id, keptKeyId: parseSecretsKey(key).id });
    expect((error as Error).message).not.toContain(token);
    expect(await ex.listTasks()).toHaveLength(1);
    expect(sql(cluster, "SELECT count(*) FROM {s}.secrets WHERE task = 'other'")).toBe('0');
  }, T(60_000));
});

describe('cluster: secret values of programs and imports', () => {
  it("a program step's secret reaches the step on a host of its own", async () => {
    const cluster = newCluster('secrets_prog');
    const key = newKey();
    await hostOn(cluster, 'host-a', key);
    const ex = client(cluster, key);
    const token = unique('step-token');
    const apiToken = unique('api-token');
    const args = [`API_TOKEN=${sha(apiToken)}`, `STEP_TOKEN=${sha(token)}`]; // the step exits 0 only with both values
    await ex.addTask('prog', { wd: workDir(), env: { API_TOKEN: apiToken }, steps: [{ name: 'a', script: ENV_CHECK, env: { STEP_TOKEN: token }, args }] });
    const runId = await ex.runTask('prog');
    expect(await ex.waitRun(runId, { timeout: T(30_000) })).toMatchObject({ status: 'succeeded', host: 'host-a' });
    const bodies = sql(cluster, 'SELECT body FROM {s}.secrets');
    expect(bodies).not.toContain(token);
    expect(bodies).not.toContain(apiToken);
  }, T(60_000));

  it("a queued run's own secret env waits sealed in its row (run:<runId>), which goes when the run is cancelled", async () => {
    const cluster = newCluster('secrets_cancel');
    const key = newKey();
    await hostOn(cluster, 'host-a', key);
    const ex = client(cluster, key);
    await ex.addTask('elsewhere', HASH_ENV, { wd: workDir(), hosts: ['host-z'] }); // no live host may run it: it waits
    const token = unique('run-token');
    const runId = await ex.runTask('elsewhere', { env: { RUN_TOKEN: token }, args: ['RUN_TOKEN'] });
    const row = sql(cluster, `SELECT gen || ' ' || body FROM {s}.secrets WHERE task = 'elsewhere'`);
    expect(row.startsWith(`run:${runId} `)).toBe(true);
    expect(row).not.toContain(token);
    expect(await ex.cancelRun(runId)).toMatchObject({ status: 'cancelled' });
    await waitUntil(() => sql(cluster, "SELECT count(*) FROM {s}.secrets WHERE task = 'elsewhere'") === '0', { what: "the run's row deleted", timeoutMs: T(5_000) });
  }, T(60_000));

  it("importFolder with the key seals a folder's values into the table: a host elsewhere runs the task with them", async () => {
    const folder = path.join(kit.tmpDir(), 'source');
    const token = unique('api-token');
    const source = new Executor(folder); // a folder of its own (not the cluster project's)
    await source.addTask('show', HASH_ENV, { wd: workDir(), env: { API_TOKEN: token }, args: ['API_TOKEN'] });
    await source.close();
    const cluster = newCluster('secrets_import');
    const key = newKey();
    process.env[SECRETS_KEY_ENV] = key;
    const report = await importFolder(folder, { cluster, host: 'client' });
    expect(report.rows).toMatchObject([{ name: 'show', result: 'copied', secrets: 'kept' }]);
    const gen = (JSON.parse(sql(cluster, "SELECT record::text FROM {s}.tasks WHERE name = 'show'")) as { task: { secretsRef: { gen: string } } }).task.secretsRef.gen;
    expect(sql(cluster, "SELECT gen FROM {s}.secrets WHERE task = 'show'")).toBe(gen);
    expect(sql(cluster, 'SELECT body FROM {s}.secrets')).not.toContain(token);
    await hostOn(cluster, 'host-a', key);
    const ex = client(cluster, key);
    const runId = await ex.runTask('show');
    expect((await ex.waitRun(runId, { timeout: T(30_000) })).exitCode).toBe(0);
    expect(Object.fromEntries(seenIn(await ex.readOut('show', 10, { run: runId })))).toEqual({ API_TOKEN: sha(token) });
  }, T(60_000));
});

describe('cluster: export of sealed values', () => {
  it('exportCluster with the key opens the sealed values and keeps them for the folder, which runs the task with them', async () => {
    const cluster = newCluster('secrets_export');
    const key = newKey();
    const ex = client(cluster, key);
    const token = unique('api-token');
    await ex.addTask('show', HASH_ENV, { wd: workDir(), env: { API_TOKEN: token }, args: ['API_TOKEN'] });
    await ex.close();
    const folder = path.join(kit.tmpDir(), 'back');
    const report = await exportCluster(folder, { cluster });
    expect(report.rows).toMatchObject([{ name: 'show', result: 'copied', secrets: 'kept', missingSecrets: [] }]);
    const back = new Executor(folder);
    try {
      const runId = await back.runTask('show');
      expect((await back.waitRun(runId, { timeout: T(20_000) })).exitCode).toBe(0);
      expect(Object.fromEntries(seenIn(await back.readOut('show', 10, { run: runId })))).toEqual({ API_TOKEN: sha(token) });
      expect(filesHolding(folder, token)).toEqual([]);
    } finally {
      await back.close();
    }
    // Without the key, the values cannot be opened: said, with the names, never a value.
    delete process.env[SECRETS_KEY_ENV];
    const blind = await exportCluster(path.join(kit.tmpDir(), 'blind'), { cluster });
    expect(blind.rows).toMatchObject([{ name: 'show', secrets: 'missing', missingSecrets: ['API_TOKEN'] }]);
  }, T(60_000));
});

describe('the secrets key', () => {
  it('takes 32 bytes in hex or base64 as they are, and stretches a passphrase; a body opens only under its key and row', () => {
    const bytes = randomBytes(32);
    expect(parseSecretsKey(bytes.toString('hex')).bytes.equals(bytes)).toBe(true);
    expect(parseSecretsKey(bytes.toString('base64')).bytes.equals(bytes)).toBe(true);
    const phrase = parseSecretsKey('correct horse battery staple');
    expect(phrase.kind).toBe('passphrase');
    expect(parseSecretsKey('correct horse battery staple').id).toBe(phrase.id);
    const key = parseSecretsKey(bytes.toString('base64'));
    const body = sealSecrets(key, 'api', 'g1', { env: { API_TOKEN: 'value-1' } });
    expect(body).not.toContain('value-1');
    expect(openSecrets(key, 'api', 'g1', body)).toEqual({ state: 'open', value: { env: { API_TOKEN: 'value-1' } } });
    expect(openSecrets(phrase, 'api', 'g1', body)).toEqual({ state: 'wrong-key', keptKeyId: key.id });
    expect(openSecrets(key, 'api', 'g2', body).state).toBe('damaged'); // moved onto another row
  });

  it('a synchronous read answers with rows, or with the error of a database that is not there (within its timeout)', () => {
    expect(queryNow<{ n: number }>(clusterUrl()!, 'SELECT 1 + $1::int AS n', [1])).toEqual({ rows: [{ n: 2 }] });
    const t0 = Date.now();
    const down = queryNow('postgres://nobody@127.0.0.1:1/none', 'SELECT 1', [], 500);
    expect(down).toMatchObject({ error: expect.stringMatching(/ECONNREFUSED|connect/) });
    expect(Date.now() - t0).toBeLessThan(T(2_000));
  });
});
