// Limits and nice (issue 16): applied by the shim's command subshell right before `exec`, seen by the script, not by
// the shim, which still records the status (with builtins only) when the kernel kills the script.
import { readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readProcStat } from '../../src/process/identity.js';
import { loadExeca } from '../../src/process/load-execa.js';
import { commandSubshell, CPU_GRACE_SECONDS, ulimitCommands } from '../../src/process/limits.js';
import { readStatusFile } from '../../src/process/shim.js';
import { spawnRun, type SpawnRunOptions } from '../../src/process/spawn.js';
import { listChildren } from '../../src/process/tree.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { waitUntil } from '../helpers/wait.js';

beforeAll(loadExeca);

const sandbox = useProcessSandbox();

function run(command: string[], extra: Partial<SpawnRunOptions> = {}) {
  const opts: SpawnRunOptions = {
    command, cwd: sandbox.dir, env: { PATH: process.env.PATH ?? '' },
    outputFile: path.join(sandbox.dir, 'output.log'), statusFile: path.join(sandbox.dir, 'status'), ...extra,
  };
  const spawned = spawnRun(opts);
  sandbox.janitor.track(spawned.identity);
  return { ...spawned, ...opts, output: () => readFileSync(opts.outputFile, 'utf8') };
}

// The `Max …` line of /proc/self/limits as the script sees it: [soft, hard].
function limitLine(text: string, name: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(name));
  if (!line) throw new Error(`no ${name} in ${text}`);
  return line.slice(name.length).trim().split(/\s+/).slice(0, 2);
}

const BUSY = [process.execPath, '-e', 'for (;;) {}'];

describe('ulimitCommands / commandSubshell', () => {
  it('turns limits into sh builtins and nice into an absolute adjustment, before exec', () => {
    expect(ulimitCommands({ memoryBytes: 512 * 1024 * 1024, cpuSeconds: 5, openFiles: 64, processes: 20 })).toEqual([
      'ulimit -d 524288', `ulimit -t ${5 + CPU_GRACE_SECONDS}`, 'ulimit -S -t 5', 'ulimit -n 64', '{ ulimit -u 20 2>/dev/null || ulimit -p 20; }',
    ]);
    expect(commandSubshell({})).toBe('(exec "$@")');
    expect(commandSubshell({ nice: 10 })).toMatch(new RegExp(`^\\(exec \\S*nice -n ${10 - getPriority()} "\\$@"\\)$`));
  });
});

describe('limits applied by the shim', () => {
  it('kills a busy loop at cpuSeconds with SIGXCPU; the shim records it and the CPU it took', async () => {
    const r = run(BUSY, { limits: { cpuSeconds: 1 } });
    expect(await r.exited).toEqual({ exitCode: null, signal: 'SIGXCPU' });
    const status = readStatusFile(r.statusFile)!;
    expect(status).toMatchObject({ exitCode: null, signal: 'SIGXCPU', endedAtMs: expect.any(Number) });
    expect(status.cpuMs).toBeGreaterThanOrEqual(800);
    expect(status.cpuMs).toBeLessThan(1000 * (1 + CPU_GRACE_SECONDS));
  });

  it('SIGKILLs a loop that ignores SIGXCPU at the hard limit, one grace second later; the CPU recorded says so', async () => {
    const r = run([process.execPath, '-e', 'process.on("SIGXCPU", () => {}); for (;;) {}'], { limits: { cpuSeconds: 1 } });
    expect(await r.exited).toEqual({ exitCode: null, signal: 'SIGKILL' });
    // Past the soft limit (the kernel's own count is finer than the ticks the shim reads, which may lag it under load).
    expect(readStatusFile(r.statusFile)!.cpuMs).toBeGreaterThanOrEqual(1000);
  });

  it('records the status with builtins only: no PATH at all, limits and nice still applied', async () => {
    const r = run(['/bin/sh', '-c', 'read l < /proc/self/limits; exit 7'], { env: {}, limits: { cpuSeconds: 30, openFiles: 50 }, nice: 5 });
    expect(await r.exited).toEqual({ exitCode: 7, signal: null });
    expect(readStatusFile(r.statusFile)).toMatchObject({ exitCode: 7, signal: null, cpuMs: expect.any(Number) });
  });

  it('sets openFiles, processes, memory and cpuSeconds as the script sees them', async () => {
    const limits = { openFiles: 64, processes: 300, memoryBytes: 1024 * 1024 * 1024, cpuSeconds: 40 };
    const r = run(['/bin/sh', '-c', 'ulimit -n; cat /proc/self/limits'], { limits });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    const text = r.output();
    expect(text.split('\n')[0]).toBe('64');
    expect(limitLine(text, 'Max open files')).toEqual(['64', '64']);
    expect(limitLine(text, 'Max processes')).toEqual(['300', '300']);
    expect(limitLine(text, 'Max data size')).toEqual([String(1024 * 1024 * 1024), String(1024 * 1024 * 1024)]);
    expect(limitLine(text, 'Max cpu time')).toEqual(['40', String(40 + CPU_GRACE_SECONDS)]);
  });

  it('sets nice as the script sees it, absolute', async () => {
    const r = run(['/bin/sh', '-c', 'nice'], { nice: 10 });
    expect(await r.exited).toEqual({ exitCode: 0, signal: null });
    expect(r.output()).toBe('10\n');
  });

  it('leaves the shim itself unlimited and not niced', async () => {
    const r = run(['sleep', '30'], { limits: { openFiles: 40, cpuSeconds: 30 }, nice: 12 });
    // The command subshell once it has exec'd the command (before that, its limits may not be set yet).
    const commOf = (pid: number): string => { try { return readFileSync(`/proc/${pid}/comm`, 'utf8').trim(); } catch { return ''; } };
    const child = await waitUntil(() => listChildren(r.identity.pid).find((pid) => commOf(pid) === 'sleep'), { what: 'the script to start' });
    const shimLimits = readFileSync(`/proc/${r.identity.pid}/limits`, 'utf8');
    const childLimits = readFileSync(`/proc/${child}/limits`, 'utf8');
    expect(limitLine(childLimits, 'Max open files')).toEqual(['40', '40']);
    expect(limitLine(shimLimits, 'Max open files')).toEqual(limitLine(readFileSync('/proc/self/limits', 'utf8'), 'Max open files'));
    expect(limitLine(shimLimits, 'Max cpu time')[0]).toBe('unlimited');
    const niceOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    expect(niceOf(child)).toBe(12);
    expect(niceOf(r.identity.pid)).toBe(getPriority());
    expect(readProcStat(r.identity.pid)).not.toBeNull();
    process.kill(-r.identity.pid, 'SIGKILL');
    await r.exited;
  });

  it('fails the run, with the shell saying why, when a limit cannot be set (rather than running it unlimited)', async () => {
    const r = run(['/bin/sh', '-c', 'echo ran'], { limits: { openFiles: 1_000_000_000 } });
    const exit = await r.exited;
    expect(exit.exitCode).not.toBe(0);
    expect(r.output()).toMatch(/ulimit/);
    expect(r.output()).not.toContain('ran');
  });
});
