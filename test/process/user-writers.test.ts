// Issue 16, run as another user in writer mode (`timestamps`, `maxOutputBytes`): once refused, now the shim and its
// writer processes stay the Executor's (root) and only the command runs as the user, so the output, its archives and
// the status file are written in the Executor's folder and none of them is the user's. This process is root.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareArchives, parseArchiveFileName } from '../../src/output/archive.js';
import { loadExeca } from '../../src/process/load-execa.js';
import { readStatusFile } from '../../src/process/shim.js';
import { spawnRun, type SpawnRunOptions, type WriterOptions } from '../../src/process/spawn.js';
import { stopTree } from '../../src/process/stop.js';
import { resolveAccount } from '../../src/process/user.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { nextEvent, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

beforeAll(loadExeca);

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const ACCOUNT = fileURLToPath(new URL('../fixtures/process/account.sh', import.meta.url));
const AS_NON_ROOT = fileURLToPath(new URL('../fixtures/process/writer-as-non-root.ts', import.meta.url));
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
const sandbox = useProcessSandbox();
const kit = useExecutors();
const nobody = resolveAccount({ user: 'nobody' })!;
let open = '';
beforeAll(() => {
  open = mkdtempSync(path.join(os.tmpdir(), 'exsdk-open-'));
  chmodSync(open, 0o755);
});
afterAll(() => rmSync(open, { recursive: true, force: true }));

const file = (name: string): string => path.join(sandbox.dir, name);
const writer = (extra: Partial<WriterOptions> = {}): WriterOptions => ({
  timestamps: false, maxOutputBytes: null, maxArchiveBytes: null, keepArchives: 1000, task: 'job', folder: sandbox.dir, ...extra,
});
function keyValues(lines: string[]): Record<string, string> {
  return Object.fromEntries(lines.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}
const linesOf = (text: string): string[] => text.split('\n').filter((l) => l !== '');

/** Every file and folder under `root` that is not owned by this process's user (root), as relative paths. */
function notOurs(root: string): string[] {
  const uid = process.getuid?.();
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(root, f)).uid !== uid);
}

function run(command: string[], extra: Partial<SpawnRunOptions> = {}) {
  mkdirSync(file('runs'), { recursive: true });
  chmodSync(sandbox.dir, 0o700);
  const opts: SpawnRunOptions = {
    command, cwd: open, env: { PATH: process.env.PATH ?? '', HOME: '/root', USER: 'root' }, user: 'nobody',
    outputFile: file('job.txt'), statusFile: file('runs/r1.exit'), ...extra,
  };
  const spawned = spawnRun(opts);
  sandbox.janitor.track(spawned.identity);
  return { ...spawned, ...opts };
}

describe('writer mode as another user (spawnRun)', () => {
  it('stamps every line of a run as nobody (timestamps), with HOME, USER and LOGNAME; no file is nobody\'s', async () => {
    const r = run([ACCOUNT, '3'], { writer: writer({ timestamps: true }), header: '# pid @@EXECUTOR_PID@@\n' });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    const [head, ...lines] = linesOf(readFileSync(r.outputFile, 'utf8'));
    expect(head).toBe(`# pid ${r.identity.pid}`);
    for (const line of lines) expect(line).toMatch(STAMP);
    const seen = lines.map((l) => l.replace(STAMP, ''));
    expect(keyValues(seen)).toMatchObject({
      uid: String(nobody.uid), gid: String(nobody.gid), home: nobody.home, user: 'nobody', logname: 'nobody', parent_uid: '0',
    });
    expect(seen.slice(-4)).toEqual(['line-0', 'line-1', 'line-2', `stderr-uid=${nobody.uid}`]);
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: 0, signal: null, endedAtMs: expect.any(Number) });
    expect(notOurs(sandbox.dir)).toEqual([]);
    expect(statSync(sandbox.dir).mode & 0o777).toBe(0o700);
  });

  it('rotates the output of a run as nobody at maxOutputBytes: every line kept in order, archives and all root\'s', async () => {
    const r = run([ACCOUNT, '3000'], { writer: writer({ maxOutputBytes: 4096 }) });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    const archives = readdirSync(sandbox.dir).flatMap((f) => {
      const name = parseArchiveFileName('job', f);
      return name ? [{ f, name }] : [];
    }).sort((a, b) => compareArchives(a.name, b.name)).map((a) => a.f);
    expect(archives.length).toBeGreaterThan(3);
    const lines = linesOf([...archives, 'job.txt'].map((f) => readFileSync(file(f), 'utf8')).join(''));
    expect(keyValues(lines)).toMatchObject({ uid: String(nobody.uid), user: 'nobody', parent_uid: '0' });
    expect(lines.filter((l) => l.startsWith('line-'))).toEqual(Array.from({ length: 3000 }, (_, i) => `line-${i}`));
    expect(statSync(r.outputFile).size).toBeLessThanOrEqual(4096 + 64 * 1024);
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: 0, signal: null });
    expect(notOurs(sandbox.dir)).toEqual([]);
  });

  it('writes stderr through its own writer, applies limits and nice to the command only, records its status', async () => {
    const r = run([ACCOUNT, '0', '5'], {
      writer: writer({ timestamps: true, maxOutputBytes: 1024 * 1024 }), stderrFile: file('job.err.txt'), limits: { openFiles: 77, cpuSeconds: 30 }, nice: 4,
    });
    expect(await r.exited).toEqual({ exitCode: 5, signal: null });
    const seen = keyValues(linesOf(readFileSync(r.outputFile, 'utf8')).map((l) => l.replace(STAMP, '')));
    expect(seen).toMatchObject({ uid: String(nobody.uid), nofile: '77', nice: '4', parent_uid: '0' });
    expect(seen.parent_nofile).not.toBe('77');
    expect(readFileSync(file('job.err.txt'), 'utf8')).toMatch(new RegExp(`${STAMP.source}stderr-uid=${nobody.uid}\\n$`));
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: 5, signal: null, cpuMs: expect.any(Number) });
    expect(notOurs(sandbox.dir)).toEqual([]);
  });

  it('stops a run as nobody (a root shim and writer, the user\'s command) and records how it ended', async () => {
    const r = run(['/bin/sh', '-c', 'id -u; exec sleep 60'], { writer: writer({ timestamps: true }) });
    await waitUntil(() => readFileSync(r.outputFile, 'utf8').includes(String(nobody.uid)), { what: 'the run to print its uid' });
    expect(await stopTree(r.identity, { killTimeoutMs: T(5_000) })).toEqual({ signalled: true, forced: false });
    expect(await r.exited).toEqual({ exitCode: null, signal: 'SIGTERM' });
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
    expect(notOurs(sandbox.dir)).toEqual([]);
  });
});

describe('writer mode as another user (Executor)', () => {
  it('runs a task as nobody with timestamps and maxOutputBytes; its output is read back; the folder stays root\'s', async () => {
    const { ex, dir } = kit.make();
    await ex.addTask('who', ACCOUNT, { wd: open, args: ['600'], user: 'nobody', timestamps: true, maxOutputBytes: 4096, interpreter: 'sh' });
    const exited = nextEvent(ex, 'exit');
    await ex.startTask('who');
    const event = await exited;
    expect(event).toMatchObject({ exitCode: 0, signal: null });
    expect(await ex.getRun(event.runId)).toMatchObject({ status: 'succeeded', exitCode: 0, exitUnknown: false });
    const tail = await ex.readOut('who', 5);
    expect(tail.map((l) => l.replace(STAMP, ''))).toEqual(['line-596', 'line-597', 'line-598', 'line-599', `stderr-uid=${nobody.uid}`]);
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' });
    expect(files.some((f) => parseArchiveFileName('who', path.basename(f)) !== null)).toBe(true); // it did rotate
    expect(notOurs(dir)).toEqual([]);
  }, T(20_000));
});

describe('a non-root process asking for writer mode as another account', () => {
  it('gets ERR_PERMISSION and nothing is written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'exsdk-nobody-'));
    try {
      chownSync(dir, nobody.uid, nobody.gid);
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', AS_NON_ROOT, dir], {
        cwd: REPO, uid: nobody.uid, gid: nobody.gid, timeout: T(30_000), env: { PATH: process.env.PATH ?? '', HOME: dir },
      });
      expect(JSON.parse(stdout)).toEqual({ uid: nobody.uid, asRoot: 'ERR_PERMISSION', asGroupRoot: 'ERR_PERMISSION', files: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, T(40_000));
});
