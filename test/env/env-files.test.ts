// Issue 16: env files (dotenv), read at each start relative to wd; order process env < files < env < EXECUTOR_*.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvFileError } from '../../src/index.js';
import { snapshotFolder, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { DROP_ENV_FILE, HASH_ENV, runOnce, sha, useSecretsDir } from './helpers.js';

const kit = useExecutors();
useSecretsDir(() => kit.tmpDir());

function workDir(files: Record<string, string>): string {
  const wd = path.join(kit.tmpDir(), 'wd');
  mkdirSync(wd, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(wd, name), text);
  return wd;
}

describe('envFile', () => {
  it('files apply in order, `env` overrides them, EXECUTOR_* override all', async () => {
    const wd = workDir({ '.env': 'A=from-first\nB=from-first\nC=from-first\nEXECUTOR_TASK=nope\n', '.env.local': 'B=from-second\n# comment\nexport D="quoted value"\n' });
    const { ex } = kit.make();
    await ex.addTask('t', HASH_ENV, { wd, envFile: ['.env', '.env.local'], env: { C: 'from-env' }, args: ['A', 'B', 'C', 'D', 'EXECUTOR_TASK'] });
    const { run, seen } = await runOnce(ex, 't', T(10_000));
    expect(run.exitCode).toBe(0);
    expect(Object.fromEntries(seen)).toEqual({ A: sha('from-first'), B: sha('from-second'), C: sha('from-env'), D: sha('quoted value'), EXECUTOR_TASK: sha('t') });
  });

  it('the process env is below the files, and a manual run\'s env above the task\'s', async () => {
    const wd = workDir({ '.env': 'HOME=from-file\nM=from-file\n' });
    const { ex } = kit.make();
    await ex.addTask('t', HASH_ENV, { wd, envFile: '.env', env: { M: 'from-env' }, args: ['HOME', 'M'] });
    const runId = await ex.runTask('t', { env: { M: 'from-run' } });
    await ex.waitRun(runId, { timeout: T(10_000) });
    const lines = await ex.readOut('t', 10, { run: runId });
    expect(lines).toEqual([`HOME=${sha('from-file')}`, `M=${sha('from-run')}`]);
  });

  it('an edited env file applies at the next start', async () => {
    const wd = workDir({ '.env': 'V=one\n' });
    const { ex } = kit.make();
    await ex.addTask('t', HASH_ENV, { wd, envFile: '.env', args: ['V'] });
    expect((await runOnce(ex, 't', T(10_000))).seen.get('V')).toBe(sha('one'));
    writeFileSync(path.join(wd, '.env'), 'V=two\n');
    expect((await runOnce(ex, 't', T(10_000))).seen.get('V')).toBe(sha('two'));
  });

  it('a missing env file: startTask fails with ERR_ENV_FILE naming it, nothing is spawned or written, the task is not running', async () => {
    const wd = workDir({});
    const { ex } = kit.make();
    await ex.addTask('t', HASH_ENV, { wd, envFile: '.env' });
    const before = snapshotFolder(ex.folder);
    const error = await ex.startTask('t').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvFileError);
    expect(error).toMatchObject({ code: 'ERR_ENV_FILE', file: path.join(wd, '.env') });
    expect((error as Error).message).toContain(path.join(wd, '.env'));
    expect(snapshotFolder(ex.folder)).toEqual(before);
    const [row] = await ex.listTasks();
    expect(row!.status).not.toBe('running');
    expect(row!.pid).toBeNull();
    await expect(ex.runTask('t')).rejects.toMatchObject({ code: 'ERR_ENV_FILE' });
  });

  it('an optional missing file is ignored; an optional file that is there is read', async () => {
    const wd = workDir({ '.env': 'X=base\n' });
    const { ex } = kit.make();
    await ex.addTask('t', HASH_ENV, { wd, envFile: ['.env', { path: '.env.local', optional: true }], args: ['X'] });
    expect((await runOnce(ex, 't', T(10_000))).seen.get('X')).toBe(sha('base'));
    writeFileSync(path.join(wd, '.env.local'), 'X=local\n');
    expect((await runOnce(ex, 't', T(10_000))).seen.get('X')).toBe(sha('local'));
  });

  it('an unreadable env file (a directory) is ERR_ENV_FILE naming it, optional or not', async () => {
    const wd = workDir({});
    mkdirSync(path.join(wd, '.env'));
    const { ex } = kit.make();
    await ex.addTask('t', HASH_ENV, { wd, envFile: { path: '.env', optional: true } });
    await expect(ex.startTask('t')).rejects.toMatchObject({ code: 'ERR_ENV_FILE', file: path.join(wd, '.env'), message: expect.stringContaining('EISDIR') });
  });

  it('under a supervisor, a restart whose env file went missing is a warning and a failed task, not a crash', async () => {
    const wd = workDir({ '.env': 'V=one\n' });
    const { ex } = kit.make();
    // The run removes its own env file, then fails: the supervisor's restart finds none.
    await ex.addTask('loop', DROP_ENV_FILE, { wd, envFile: '.env', infiniteLoop: true });
    const warned = new Promise<{ code?: string; message: string }>((resolve) => ex.on('warning', (w) => { if (w.code === 'ERR_ENV_FILE') resolve(w); }));
    const sup = ex.keepRestarting({ sleep: 1 });
    try {
      await sup.ready;
      await ex.startTask('loop');
      const warning = await warned;
      expect(warning.message).toContain(path.join(wd, '.env'));
      const row = await ex.waitFor('loop', ['failed'], { timeout: T(10_000) });
      expect(row.pid).toBeNull();
    } finally {
      await sup.stop();
    }
  });
});
