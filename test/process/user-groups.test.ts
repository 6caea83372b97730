// Issue 16, run as another user: the command gets its user's supplementary groups (initgroups, as su, runuser and
// systemd's User= give them), not the empty list Node's spawn leaves; only the command switches user (the shim stays
// the Executor's), and the limits and nice apply to the command only. This process is root (tests run as root in CI).
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExeca } from '../../src/process/load-execa.js';
import { readStatusFile } from '../../src/process/shim.js';
import { spawnRun, type SpawnRunOptions } from '../../src/process/spawn.js';
import { isRoot, resolveAccount } from '../../src/process/user.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';

beforeAll(loadExeca);

const ACCOUNT = fileURLToPath(new URL('../fixtures/process/account.sh', import.meta.url));
const sandbox = useProcessSandbox();
const nobody = resolveAccount({ user: 'nobody' })!;
// A working directory nobody may enter; the sandbox (the run's folder) stays 0700, root's.
let open = '';
beforeAll(() => {
  open = mkdtempSync(path.join(os.tmpdir(), 'exsdk-open-'));
  chmodSync(open, 0o755);
});
afterAll(() => rmSync(open, { recursive: true, force: true }));

/** `id -G <user>` (primary group and the supplementary ones from the group database), sorted. */
const idGroups = (user: string): number[] =>
  execFileSync('id', ['-G', user], { encoding: 'utf8' }).trim().split(/\s+/).map(Number).sort((a, b) => a - b);

/** The fixture's `key=value` lines. */
function keyValues(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}
const listed = (groups: string): number[] => (groups === '' ? [] : groups.split(' ').map(Number).sort((a, b) => a - b));

function run(command: string[], extra: Partial<SpawnRunOptions> = {}) {
  const runs = path.join(sandbox.dir, 'runs', 'task');
  mkdirSync(runs, { recursive: true });
  chmodSync(sandbox.dir, 0o700);
  const opts: SpawnRunOptions = {
    command, cwd: open, env: { PATH: process.env.PATH ?? '', HOME: '/root', USER: 'root' },
    outputFile: path.join(sandbox.dir, 'output.txt'), statusFile: path.join(runs, 'r1.exit'), ...extra,
  };
  const spawned = spawnRun(opts);
  sandbox.janitor.track(spawned.identity);
  return { ...spawned, ...opts };
}

describe('a run as another user gets its supplementary groups', () => {
  it('has the groups `id -G nobody` lists (Node\'s spawn alone would leave the kernel list empty)', async () => {
    expect(isRoot()).toBe(true);
    const r = run([ACCOUNT], { user: 'nobody' });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    const seen = keyValues(readFileSync(r.outputFile, 'utf8'));
    expect(seen).toMatchObject({ uid: String(nobody.uid), gid: String(nobody.gid), home: nobody.home, user: 'nobody', logname: 'nobody' });
    expect(listed(seen.groups!)).toEqual(idGroups('nobody'));
    expect(listed(seen.groups!)).toContain(nobody.gid);
  });

  it('keeps the user\'s groups with `group`, which becomes the run\'s group', async () => {
    const r = run([ACCOUNT], { user: 'nobody', group: 'root' });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    const seen = keyValues(readFileSync(r.outputFile, 'utf8'));
    expect(seen).toMatchObject({ uid: String(nobody.uid), gid: '0' });
    expect(listed(seen.groups!)).toEqual(idGroups('nobody'));
  });

  it('reads a file only a supplementary group of the user may read (a group made for the test, then removed)', async () => {
    const group = `exsdk-g${process.pid}`;
    execFileSync('groupadd', ['-U', 'nobody', group]);
    try {
      const gid = Number(execFileSync('getent', ['group', group], { encoding: 'utf8' }).split(':')[2]);
      const secret = path.join(open, 'group-only.txt');
      writeFileSync(secret, 'for the group\n');
      chownSync(secret, 0, gid);
      chmodSync(secret, 0o640);
      const r = run(['/bin/sh', '-c', `${ACCOUNT}; cat "$0"`, secret], { user: 'nobody' });
      expect(await r.exited).toEqual({ exitCode: 0, signal: null });
      const text = readFileSync(r.outputFile, 'utf8');
      expect(listed(keyValues(text).groups!)).toEqual(expect.arrayContaining([nobody.gid, gid]));
      expect(text.endsWith('for the group\n')).toBe(true);
    } finally {
      execFileSync('groupdel', [group]);
    }
  });
});

describe('only the command switches user (fd mode)', () => {
  it('keeps the shim root: the status file is root\'s, the command\'s parent is root, the folder is untouched', async () => {
    const r = run([ACCOUNT], { user: 'nobody', header: '# pid @@EXECUTOR_PID@@\n' });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    const text = readFileSync(r.outputFile, 'utf8');
    expect(text.startsWith(`# pid ${r.identity.pid}\n`)).toBe(true);
    expect(keyValues(text)).toMatchObject({ uid: String(nobody.uid), parent_uid: '0' });
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: 0, signal: null, endedAtMs: expect.any(Number) });
    expect(statSync(r.statusFile).uid).toBe(0);
    expect(statSync(r.outputFile).uid).toBe(0);
    expect(statSync(sandbox.dir).mode & 0o777).toBe(0o700);
  });

  it('applies limits and nice to the command only, not to the shim', async () => {
    const r = run([ACCOUNT], { user: 'nobody', limits: { openFiles: 77 }, nice: 6 });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    const seen = keyValues(readFileSync(r.outputFile, 'utf8'));
    expect(seen).toMatchObject({ uid: String(nobody.uid), nofile: '77', nice: String(6), parent_uid: '0' });
    expect(seen.parent_nofile).not.toBe('77');
  });

  it('records a command that fails as the user, with its status', async () => {
    const r = run(['/bin/sh', '-c', 'id -u; exit 4'], { user: 'nobody', limits: { processes: 50 } });
    expect(await r.exited).toEqual({ exitCode: 4, signal: null });
    expect(readFileSync(r.outputFile, 'utf8')).toBe(`${nobody.uid}\n`);
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: 4, signal: null });
  });
});
