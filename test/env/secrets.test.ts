// Issue 16: secret env values are never written in clear in the folder; they are kept in the secrets store (outside it)
// and put back at each start, in this process or another.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET_MASK } from '../../src/task/options-env.js';
import { forgetSecrets, maskEnv, secretsFileOf } from '../../src/task/secrets.js';
import { snapshotFolder, useExecutors } from '../helpers/executor.js';
import { spawnJsonLines } from '../helpers/json-child.js';
import { T } from '../helpers/time.js';
import { filesHolding, filesUnder, HASH_ENV, OTHER_EXECUTOR, runOnce, seenIn, sha, unique, useSecretsDir } from './helpers.js';

const kit = useExecutors();
const secretsDir = useSecretsDir(() => kit.tmpDir());

function workDir(files: Record<string, string>): string {
  const wd = path.join(kit.tmpDir(), 'wd');
  mkdirSync(wd, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(wd, name), text);
  return wd;
}

/** A task's secret values and the env file holding DB_PASSWORD, with the names the fixture prints. */
function secretSetup() {
  const values = { API_KEY: unique('sekrit'), DB_PASSWORD: unique('dbpass'), DSN: unique('dsn'), STEP_TOKEN: unique('steptok'), RUN_SECRET_TOKEN: unique('runtok') };
  const wd = workDir({ '.env': `DB_PASSWORD=${values.DB_PASSWORD}\n` });
  const options = { wd, envFile: '.env', env: { API_KEY: values.API_KEY, DSN: values.DSN, PLAIN: 'visible' }, secretEnv: ['DSN'], args: ['API_KEY', 'DB_PASSWORD', 'DSN', 'PLAIN'] };
  return { values, wd, options };
}

describe('secrets', () => {
  it('a run sees its secrets (task env, env file, step env, a manual run\'s env) and no file of the folder holds any of them', async () => {
    const { values, options } = secretSetup();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, options);
    await ex.addTask('stamped', HASH_ENV, { ...options, timestamps: true }); // output through the writer process
    await ex.addTask('prog', { ...options, args: undefined, steps: [{ name: 'a', script: HASH_ENV, env: { STEP_TOKEN: values.STEP_TOKEN }, args: ['API_KEY', 'DB_PASSWORD', 'STEP_TOKEN'] }] });
    const want = { API_KEY: sha(values.API_KEY), DB_PASSWORD: sha(values.DB_PASSWORD), DSN: sha(values.DSN), PLAIN: sha('visible') };
    expect(Object.fromEntries((await runOnce(ex, 'api', T(10_000))).seen)).toEqual(want);
    expect(Object.fromEntries((await runOnce(ex, 'stamped', T(10_000))).seen)).toEqual(want);
    const progRun = await ex.runTask('prog');
    expect((await ex.waitRun(progRun, { timeout: T(10_000) })).status).toBe('succeeded');
    expect(Object.fromEntries(seenIn(await ex.readOut('prog', 10, { run: progRun, step: 'a' })))).toEqual({ API_KEY: want.API_KEY, DB_PASSWORD: want.DB_PASSWORD, STEP_TOKEN: sha(values.STEP_TOKEN) });
    const manual = await ex.runTask('api', { env: { RUN_SECRET_TOKEN: values.RUN_SECRET_TOKEN }, args: ['RUN_SECRET_TOKEN'] });
    await ex.waitRun(manual, { timeout: T(10_000) });
    expect(await ex.readOut('api', 10, { run: manual })).toEqual([`RUN_SECRET_TOKEN=${sha(values.RUN_SECRET_TOKEN)}`]);
    // Shown masked, stored masked.
    const rows = await ex.listTasks();
    expect(rows.find((r) => r.name === 'api')!.env).toEqual({ API_KEY: SECRET_MASK, DSN: SECRET_MASK, PLAIN: 'visible' });
    await ex.close();
    const files = filesUnder(ex.folder);
    expect(files.some((f) => f.includes(`${path.sep}runs${path.sep}`))).toBe(true);
    expect(files.some((f) => f.endsWith('.log'))).toBe(true);
    for (const value of Object.values(values)) expect(filesHolding(ex.folder, value)).toEqual([]);
    // The inline values are in the store, private; the env file's value and a manual run's are nowhere.
    const file = secretsFileOf(ex.folder, ex.id, 'api');
    expect(path.dirname(path.dirname(file))).toBe(secretsDir());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ env: { API_KEY: values.API_KEY, DSN: values.DSN } });
    expect(filesHolding(secretsDir(), values.DB_PASSWORD)).toEqual([]);
    expect(filesHolding(secretsDir(), values.RUN_SECRET_TOKEN)).toEqual([]);
    expect(JSON.parse(readFileSync(secretsFileOf(ex.folder, ex.id, 'prog'), 'utf8'))).toMatchObject({ steps: { a: { STEP_TOKEN: values.STEP_TOKEN } } });
  });

  it('a second Executor in another process starts the task with the same secret values', async () => {
    const { values, options } = secretSetup();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, options);
    const other = spawnJsonLines(OTHER_EXECUTOR, [ex.folder, 'api'], { stdin: 'ignore', what: 'other executor', execArgv: ['--import', 'tsx'], mapExit: (code) => code });
    const line = await other.line((l) => typeof l.runId === 'string', 30_000);
    expect(await other.exited).toBe(0);
    expect(line.exitCode).toBe(0);
    const seen = seenIn(await ex.readOut('api', 10, { run: line.runId as string }));
    expect(seen.get('API_KEY')).toBe(sha(values.API_KEY));
    expect(seen.get('DSN')).toBe(sha(values.DSN));
    expect(seen.get('DB_PASSWORD')).toBe(sha(values.DB_PASSWORD));
    for (const value of Object.values(values)) expect(filesHolding(ex.folder, value)).toEqual([]);
  });

  it('a secrets store that cannot be written fails addTask with a typed error naming the file, and nothing is written', async () => {
    const { options } = secretSetup();
    const { ex } = kit.make();
    writeFileSync(secretsDir(), 'not a directory');
    const before = snapshotFolder(ex.folder);
    const error = await ex.addTask('api', HASH_ENV, options).catch((e: unknown) => e);
    const file = secretsFileOf(ex.folder, ex.id, 'api');
    expect(error).toMatchObject({ name: 'SecretsFileError', code: 'ERR_ENV_FILE', file });
    expect((error as Error).message).toContain(file);
    expect(snapshotFolder(ex.folder)).toEqual(before);
    expect(await ex.listTasks()).toEqual([]);
    // A task without secrets does not need the store.
    await ex.addTask('plain', HASH_ENV, { wd: options.wd, env: { PLAIN: 'x' } });
  });

  it('a lost secret fails the start (ERR_ENV_FILE naming the store file) rather than run with ***', async () => {
    const { options } = secretSetup();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, options);
    const file = secretsFileOf(ex.folder, ex.id, 'api');
    writeFileSync(file, JSON.stringify({ env: { DSN: 'only this one' }, steps: {} }));
    const before = snapshotFolder(ex.folder);
    await expect(ex.startTask('api')).rejects.toMatchObject({ code: 'ERR_ENV_FILE', file, message: expect.stringContaining('API_KEY') });
    expect(snapshotFolder(ex.folder)).toEqual(before);
    expect((await ex.listTasks())[0]!.pid).toBeNull();
  });

  it('replacing a task without secrets removes its secrets file; forgetSecrets removes one, and warns when it cannot', async () => {
    const { options } = secretSetup();
    const { ex } = kit.make();
    await ex.addTask('api', HASH_ENV, options);
    const file = secretsFileOf(ex.folder, ex.id, 'api');
    expect(statSync(file).isFile()).toBe(true);
    await ex.addTask('api', HASH_ENV, { wd: options.wd, env: { PLAIN: 'x' }, replace: true });
    expect(readdirSync(path.dirname(file))).toEqual([]);
    await ex.addTask('api', HASH_ENV, { ...options, replace: true });
    const warnings: string[] = [];
    await forgetSecrets({ folder: ex.folder, id: ex.id, warn: (m) => warnings.push(m) }, 'api');
    expect(readdirSync(path.dirname(file))).toEqual([]);
    expect(warnings).toEqual([]);
    mkdirSync(path.join(file, 'in-the-way'), { recursive: true }); // a directory where the file was: rm refuses it
    await forgetSecrets({ folder: ex.folder, id: ex.id, warn: (m) => warnings.push(m) }, 'api');
    expect(warnings).toEqual([expect.stringContaining(file)]);
  });

  it('maskEnv masks secretEnv names and the default pattern, and nothing else', () => {
    expect(maskEnv({ GITHUB_TOKEN: 'a', db_password: 'b', APIKEY: 'c', MY_PRIVATE_KEY: 'd', DSN: 'e', PORT: '80' }, ['DSN']))
      .toEqual({ GITHUB_TOKEN: '***', db_password: '***', APIKEY: '***', MY_PRIVATE_KEY: '***', DSN: '***', PORT: '80' });
  });
});
