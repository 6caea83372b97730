// Runs as another user (issue 16): the account is resolved from the system databases, the shim and the script run as
// it with HOME/USER/LOGNAME, the status is still recorded in a folder that user cannot reach, and a non-root process
// asking for another account gets ERR_PERMISSION.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { PermissionError } from '../../src/errors/task.js';
import { loadExeca } from '../../src/process/load-execa.js';
import { readStatusFile } from '../../src/process/shim.js';
import { spawnRun, type SpawnRunOptions } from '../../src/process/spawn.js';
import { checkUserAllowed, isRoot, resolveAccount } from '../../src/process/user.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { T } from '../helpers/time.js';

beforeAll(loadExeca);

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const AS_NON_ROOT = fileURLToPath(new URL('../fixtures/limits/as-non-root.ts', import.meta.url));
const sandbox = useProcessSandbox();
// A working directory `nobody` may enter (the sandbox itself is 0700, like an Executor's folder may be).
let open = '';
beforeAll(() => {
  open = mkdtempSync(path.join(os.tmpdir(), 'exsdk-open-'));
  chmodSync(open, 0o755);
});
afterAll(() => rmSync(open, { recursive: true, force: true }));

const nobody = resolveAccount({ user: 'nobody' })!;

function run(command: string[], extra: Partial<SpawnRunOptions> = {}) {
  const runs = path.join(sandbox.dir, 'runs', 'task');
  const opts: SpawnRunOptions = {
    command, cwd: open, env: { PATH: process.env.PATH ?? '', HOME: '/root', USER: 'root' },
    outputFile: path.join(sandbox.dir, 'output.log'), statusFile: path.join(runs, 'r1.exit'), ...extra,
  };
  rmSync(runs, { recursive: true, force: true });
  mkdirSync(runs, { recursive: true, mode: 0o755 });
  chmodSync(sandbox.dir, 0o700);
  const spawned = spawnRun(opts);
  sandbox.janitor.track(spawned.identity);
  return { ...spawned, ...opts };
}

describe('resolveAccount', () => {
  it('resolves a user by name or uid, with its primary group, home and shell; a group by name or gid', () => {
    expect(nobody).toMatchObject({ user: 'nobody', uid: expect.any(Number), gid: expect.any(Number), home: expect.any(String) });
    expect(resolveAccount({ user: String(nobody.uid) })).toEqual(nobody);
    expect(resolveAccount({ user: 'nobody', group: 'root' })).toEqual({ ...nobody, gid: 0 });
    expect(resolveAccount({ user: 'nobody', group: '0' })).toEqual({ ...nobody, gid: 0 });
    expect(resolveAccount({})).toBeNull();
  });

  it('throws ERR_INVALID_OPTION naming a user or group that does not exist', () => {
    expect(() => resolveAccount({ user: 'no-such-user-xyz' })).toThrow(InvalidOptionError);
    expect(() => resolveAccount({ user: 'no-such-user-xyz' })).toThrow(/no-such-user-xyz/);
    expect(() => resolveAccount({ user: 'nobody', group: 'no-such-group-xyz' })).toThrow(/`group`.*no-such-group-xyz/);
    expect(() => resolveAccount({ user: '4000000123' })).toThrow(/`user`/);
  });
});

describe('spawnRun as another user (this process is root)', () => {
  it('runs the script as nobody, with HOME, USER and LOGNAME; the output and the status are recorded', async () => {
    expect(isRoot()).toBe(true);
    expect(checkUserAllowed({ user: 'nobody' })).toEqual(nobody);
    const r = run(['/bin/sh', '-c', 'id -u; id -g; echo "$HOME|$USER|$LOGNAME"; pwd; exit 3'], { user: 'nobody' });
    expect(await r.exited).toEqual({ exitCode: 3, signal: null });
    const lines = readFileSync(r.outputFile, 'utf8').trim().split('\n');
    expect(lines).toEqual([String(nobody.uid), String(nobody.gid), `${nobody.home}|nobody|nobody`, open]);
    // The shim (root) recorded the status; the folder (0700, root's) was never opened to nobody.
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: 3, signal: null, endedAtMs: expect.any(Number) });
    expect(statSync(r.statusFile).uid).toBe(0);
    expect(statSync(sandbox.dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.dirname(r.statusFile)).mode & 0o002).toBe(0);
  });

  it('does not pass the status fd on to the script', async () => {
    const r = run(['/bin/sh', '-c', 'ls -l /proc/self/fd'], { user: 'nobody' });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    const listing = readFileSync(r.outputFile, 'utf8');
    expect(listing).toContain(' 1 -> '); // the listing is there
    expect(listing).not.toContain(r.statusFile);
  });

  it('runs with a group of its own', async () => {
    const r = run(['/bin/sh', '-c', 'id -u; id -g'], { user: 'nobody', group: 'root' });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    expect(readFileSync(r.outputFile, 'utf8')).toBe(`${nobody.uid}\n0\n`);
  });

  it('enters the working directory before the switch; what is reached by path needs the user\'s access', async () => {
    const r = run(['/bin/sh', '-c', 'pwd; cat ./output.log >/dev/null && echo relative; cat "$PWD/output.log" || echo denied'], { user: 'nobody', cwd: sandbox.dir });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    expect(readFileSync(r.outputFile, 'utf8')).toMatch(new RegExp(`^${sandbox.dir}\\n(?:[^\\n]*\\n)*denied\\n$`));
  });

  it('gives another user\'s script a niceness below the Executor\'s (set by root before the switch)', async () => {
    const r = run(['/bin/sh', '-c', 'id -u; nice'], { user: 'nobody', nice: -5 });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    expect(readFileSync(r.outputFile, 'utf8')).toBe(`${nobody.uid}\n-5\n`);
  });

  it('refuses an unknown user before anything is spawned or written', () => {
    expect(() => run(['/bin/true'], { user: 'no-such-user-xyz' })).toThrow(InvalidOptionError);
  });

  it('switches nothing when asked for its own user (root)', async () => {
    const r = run(['/bin/sh', '-c', 'id -u; echo "$HOME"'], { user: 'root' });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    expect(readFileSync(r.outputFile, 'utf8')).toBe('0\n/root\n');
  });
});

describe('a non-root process asking for another user', () => {
  it('gets ERR_PERMISSION from checkUserAllowed and spawnRun, and may name itself', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'exsdk-nobody-'));
    try {
      chownSync(dir, nobody.uid, nobody.gid);
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', AS_NON_ROOT, dir], {
        cwd: REPO, uid: nobody.uid, gid: nobody.gid, timeout: T(30_000), env: { PATH: process.env.PATH ?? '', HOME: dir },
      });
      expect(JSON.parse(stdout)).toEqual({
        uid: nobody.uid, checkRoot: 'ERR_PERMISSION', checkGroupRoot: 'ERR_PERMISSION', checkSelf: 'ok', checkUnknown: 'ERR_PERMISSION', spawnRoot: 'ERR_PERMISSION',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('PermissionError says what was asked', () => {
    const error = new PermissionError('user "root"', 'an Executor running as uid 1000, not root');
    expect(error.code).toBe('ERR_PERMISSION');
    expect(error.what).toBe('user "root"');
  });
});
