// Issue 12, item 3: a task that fills the disk can still be stopped and removed (signal first, record after).
// Runs on a small real tmpfs, which needs root (as `.ci/run` is); elsewhere it says so and checks nothing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Executor, ExecutorError } from '../../src/index.js';
import { killMarked, markedPids } from '../helpers/marked.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

const TMPFS_SIZE = '512k';

/** True when this process can mount a tmpfs (root with CAP_SYS_ADMIN). */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = mkdtempSync(path.join(os.tmpdir(), 'exsdk-mnt-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const mountable = canMount();
if (!mountable) console.warn('stop-full-disk: not root or cannot mount a tmpfs here; the full-disk stop tests check nothing');

const cleanups: (() => void)[] = [];
afterEach(() => { for (const clean of cleanups.splice(0).reverse()) clean(); });

/** An Executor on a fresh small tmpfs, with a task that writes without end (ignoring its write errors). */
async function fullDisk(): Promise<{ ex: Executor; mount: string }> {
  const base = mkdtempSync(path.join(os.tmpdir(), 'exsdk-full-'));
  const mount = path.join(base, 'disk');
  mkdirSync(mount);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', mount]);
  cleanups.push(() => { execFileSync('umount', ['-l', mount]); rmSync(base, { recursive: true, force: true }); });
  const script = path.join(base, 'fill.sh');
  const go = path.join(base, 'go');
  // It starts writing once `go` exists: ungated, it could fill the disk before startTask had recorded the start.
  writeFileSync(script, `while [ ! -e '${go}' ]; do sleep 0.05; done\nwhile :; do echo 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef; done\n`);
  const ex = new Executor(path.join(mount, 'exec'), { killTimeout: 1_000 });
  cleanups.push(() => killMarked(ex.id));
  await ex.addTask('fill', script);
  await ex.startTask('fill');
  writeFileSync(go, '');
  await waitUntil(() => statfsSync(mount).bavail === 0, { timeoutMs: 10_000, what: 'the tmpfs to fill up' });
  return { ex, mount };
}

/** Runs a stop-like call: it may resolve, or reject only with a typed no-space error. */
async function settle(call: Promise<unknown>): Promise<string | null> {
  try {
    await call;
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(ExecutorError);
    expect((error as ExecutorError).code).toBe('ERR_NO_SPACE');
    expect((error as Error).message).toMatch(/Expected to write \/.+, got no space left/);
    return (error as ExecutorError).code;
  }
}

describe.runIf(mountable)('a task that fills the disk', () => {
  it('stopTask stops its whole tree; the table stays readable', async () => {
    const { ex } = await fullDisk();
    expect(markedPids(ex.id).length).toBeGreaterThan(0);
    await settle(ex.stopTask('fill'));
    expect(markedPids(ex.id)).toEqual([]);
    const [row] = await ex.listTasks();
    expect(row!.name).toBe('fill');
  }, T(30_000));

  it('removeTask stops it too', async () => {
    const { ex } = await fullDisk();
    await settle(ex.removeTask('fill'));
    expect(markedPids(ex.id)).toEqual([]);
    await ex.listTasks();
  }, T(30_000));
});
