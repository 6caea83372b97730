// ex.close(): a process that opened 5 Executors on one folder (a supervisor, a follower and a wait among them) exits
// by itself right after closing them, with its task still running; the follower ended, the wait rejected, the lease
// is free. Real processes, the built package.
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { pidAlive } from '../helpers/wait.js';

const kit = useExecutors();
const FIXTURE = fileURLToPath(new URL('../fixtures/executor/close-five.mjs', import.meta.url));
const RERUN = fileURLToPath(new URL('../fixtures/executor/rerun-cells.mjs', import.meta.url));

describe('Executor.close()', () => {
  it('lets a process with 5 Executors exit by itself within 100 ms, tasks still running', async () => {
    const dir = kit.tmpDir();
    const script = path.join(dir, 'loop.sh');
    writeFileSync(script, 'while :; do echo tick; sleep 0.05; done\n');
    const child = spawn(process.execPath, [FIXTURE, path.join(dir, 'exec'), script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the process did not exit by itself (stdout: ${out}; stderr: ${err})`)); }, T(20_000));
      child.on('exit', (c) => { clearTimeout(timer); resolve(c); });
    });
    const pid = Number(/^pid (\d+)$/m.exec(out)?.[1]);
    kit.track(pid);
    expect(code, err).toBe(0);
    expect(out).toMatch(/^follower ended$/m);
    expect(out).toMatch(/^wait AbortError$/m);
    expect(out).toMatch(/^supervisor null$/m);
    const exitMs = Number(/^exit ([\d.]+)$/m.exec(out)?.[1]);
    expect(exitMs).toBeLessThanOrEqual(T(100));
    expect(pidAlive(pid), 'the task keeps running').toBe(true);
    kit.open(path.join(dir, 'exec')); // stopped after the test
  });

  it('re-running `new Executor(folder)` 20 times leaves nothing behind once closed; a second supervisor is refused, naming the holder', async () => {
    const dir = kit.tmpDir();
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(process.execPath, [RERUN, path.join(dir, 'exec')], { timeout: T(30_000) }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve({ stdout: out, stderr: err })));
    });
    const result = JSON.parse(stdout.trim()) as { second: { code: string; message: string }; before: string[]; after: string[] };
    expect(result.second.code).toBe('ERR_LEASE_HELD');
    expect(result.second.message).toMatch(/held by pid \d+/);
    // The process's own stdin/stdout/stderr (execa, loaded by the supervisor to spawn, opens them at import) are not
    // the Executor's: every other handle or timer is.
    const stdio = new Set(['PipeWrap', 'TTYWrap']);
    expect(result.after.filter((r) => !result.before.includes(r) && !stdio.has(r)), `no timer or handle left (stderr: ${stderr})`).toEqual([]);
  });
});
