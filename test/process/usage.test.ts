import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAlive, readIdentity, readProcStat, type ProcessIdentity } from '../../src/process/identity.js';
import { listChildren } from '../../src/process/tree.js';
import { DEFAULT_PAGE_SIZE, pageSize, parseProcUsage } from '../../src/process/proc-usage.js';
import { MIN_CPU_WINDOW_MS, sampleTree, UsageSampler, type TreeUsage } from '../../src/process/usage.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { T, TIME_FACTOR } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

const HOG = fileURLToPath(new URL('../fixtures/process/hog.mjs', import.meta.url));
const MIB = 1024 * 1024;
/** Memory held by the hog child and by its grandchild. */
const CHILD_MB = 100;
const GRANDCHILD_MB = 50;
/** Time between two CPU samples while polling. */
const CPU_POLL_MS = 250;
/** An idle process (sleep) stays below this. */
const IDLE_CPU_PERCENT = 5;
/**
 * A busy loop uses one core: well above this once measured over an interval. On a loaded machine (TEST_TIME_FACTOR > 1)
 * it gets a smaller share of a core, so the bar is lowered in proportion (an idle process stays near 0 %).
 */
const BUSY_CPU_PERCENT = 20 / TIME_FACTOR;

const sandbox = useProcessSandbox();
const { janitor } = sandbox;

/** Spawns a command, remembers it for clean-up, and resolves with its identity once it runs. */
async function start(file: string, args: string[]): Promise<{ child: ChildProcess; id: ProcessIdentity }> {
  const child = spawn(file, args, { stdio: 'ignore' });
  janitor.track(child.pid);
  const id = await waitUntil(() => readIdentity(child.pid!), { what: `pid ${child.pid} to run` });
  return { child, id };
}

/** Pids appended to `file` so far. */
function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

type Sample = (root: ProcessIdentity) => Promise<TreeUsage | null>;

/** Every way to sample: the stateless function, and a fresh sampler per test, one tree at a time or in a batch. */
const WAYS: [string, () => Sample][] = [
  ['sampleTree', () => sampleTree],
  ['UsageSampler.sample', () => {
    const sampler = new UsageSampler();
    return (root) => sampler.sample(root);
  }],
  ['UsageSampler.sampleAll', () => {
    const sampler = new UsageSampler();
    return async (root) => (await sampler.sampleAll([root]))[0]!;
  }],
];

/** Sum of VmRSS (kB, from /proc/<pid>/status) of `pids`, in bytes: the kernel's own figure, in another unit. */
function vmRss(pids: number[]): number {
  return pids.reduce((sum, pid) => sum + Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024, 0);
}

describe.each(WAYS)('%s', (_label, makeSample) => {
  it('shows a busy loop using CPU', async () => {
    const sample = makeSample();
    const { id } = await start(process.execPath, ['-e', 'for(;;){}']);
    const first = await sample(id);
    expect(first?.pids).toEqual([id.pid]);
    const busy = await waitUntil(async () => {
      const usage = await sample(id);
      return usage && usage.cpu > BUSY_CPU_PERCENT ? usage : null;
    }, { what: `the busy loop to show > ${BUSY_CPU_PERCENT} % CPU`, intervalMs: CPU_POLL_MS });
    expect(busy.pids).toEqual([id.pid]);
    expect(busy.rss).toBeGreaterThan(0);
  });

  it('sums RSS over the root and its descendants', async () => {
    const sample = makeSample();
    const pidsFile = path.join(sandbox.dir, 'pids');
    const { id } = await start(process.execPath, [HOG, pidsFile, String(CHILD_MB), String(GRANDCHILD_MB)]);
    const pids = await waitUntil(() => (readPids(pidsFile).length === 2 ? readPids(pidsFile) : null), { what: 'both hogs to hold their memory' });
    pids.forEach((pid) => janitor.track(pid));
    const grandchild = pids.find((pid) => pid !== id.pid)!;
    expect(listChildren(id.pid)).toEqual([grandchild]);

    const tree = await sample(id);
    const below = await sample(readIdentity(grandchild)!);
    expect(tree?.pids).toEqual([id.pid, grandchild]);
    expect(below?.pids).toEqual([grandchild]);
    expect(below!.rss).toBeGreaterThan(GRANDCHILD_MB * MIB);
    expect(tree!.rss).toBeGreaterThan(CHILD_MB * MIB);
    // The root's own share (its 100 MiB at least) comes on top of the grandchild's.
    expect(tree!.rss).toBeGreaterThan(below!.rss + CHILD_MB * MIB);
    // Pages × page size agrees with the kernel's VmRSS in kB (both idle: within a few MiB).
    expect(Math.abs(tree!.rss - vmRss(tree!.pids))).toBeLessThan(8 * MIB);
  });

  it('leaves out a zombie descendant', async () => {
    const sample = makeSample();
    // sh forks `true`, then execs sleep, which never reaps it: the exited `true` stays a zombie child of the root.
    const { id } = await start('/bin/sh', ['-c', 'true & exec sleep 30']);
    const zombie = await waitUntil(() => {
      // Scan /proc: a zombie is not listed by listChildren (and /proc/<pid>/task/<tid>/children may not exist).
      const pids = readdirSync('/proc').map(Number).filter((pid) => Number.isSafeInteger(pid) && pid > 0);
      return pids.find((pid) => { const stat = readProcStat(pid); return stat?.ppid === id.pid && stat.state === 'Z'; });
    }, { what: 'a zombie child' });
    expect(readProcStat(zombie)?.ppid).toBe(id.pid);
    expect((await sample(id))?.pids).toEqual([id.pid]);
  });

  it('does not throw while descendants come and go', async () => {
    const sample = makeSample();
    const { id } = await start('/bin/sh', ['-c', 'while :; do /bin/true; done']);
    for (let i = 0; i < 20; i++) {
      const usage = await sample(id);
      expect(usage?.pids[0]).toBe(id.pid);
      expect(Number.isFinite(usage!.cpu) && Number.isFinite(usage!.rss)).toBe(true);
    }
  });

  it('returns null when the root is gone', async () => {
    const sample = makeSample();
    const { child, id } = await start('sleep', ['30']);
    child.kill('SIGKILL');
    await waitUntil(() => !isAlive(id), { what: 'the root to die' });
    expect(await sample(id)).toBeNull();
  });

  it('returns null when the pid now belongs to another process', async () => {
    const sample = makeSample();
    const me = readIdentity(process.pid)!;
    expect(await sample({ ...me, startTime: me.startTime + 1 })).toBeNull();
    expect(await sample({ ...me, bootId: 'another-boot' })).toBeNull();
  });
});

/** CPU time (utime + stime, clock ticks) a process used so far, from its stat line. */
function ticksOf(pid: number): number {
  return parseProcUsage(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.ticks ?? 0;
}

/** A Node process that spins until it has used `ms` of CPU time (however long that takes on a loaded machine), writes `file`, then idles. */
const SPIN_THEN_IDLE = 'const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }; while (cpu() < Number(process.argv[2])); require("fs").writeFileSync(process.argv[1], "idle"); setInterval(() => {}, 1e9)';

describe('UsageSampler', () => {
  it('shows, at the first sample of a process, its average CPU since it started (busy near a core, idle near 0)', async () => {
    const busy = await start(process.execPath, ['-e', 'for(;;){}']);
    const idle = await start('sleep', ['30']);
    // Half a second of CPU time used: an average since the start is then well measured.
    await waitUntil(() => ticksOf(busy.id.pid) >= 50, { what: 'the busy loop to use 0.5 s of CPU' });
    const [hot, cold] = await new UsageSampler().sampleAll([busy.id, idle.id]);
    expect(hot!.cpu).toBeGreaterThan(BUSY_CPU_PERCENT);
    expect(cold!.cpu).toBeLessThan(IDLE_CPU_PERCENT);
    expect((await sampleTree(busy.id))!.cpu).toBeGreaterThan(BUSY_CPU_PERCENT);
  });

  it('keeps its own history: once a process goes idle, a later sample shows it idle while a first sample still shows its past', async () => {
    const flag = path.join(sandbox.dir, 'idle');
    const { id } = await start(process.execPath, ['-e', SPIN_THEN_IDLE, flag, '1000']);
    await waitUntil(() => existsSync(flag), { what: 'the spin to end', timeoutMs: 20_000 });
    const sampler = new UsageSampler();
    expect((await sampler.sample(id))!.cpu).toBeGreaterThan(IDLE_CPU_PERCENT); // its average since start: mostly spinning
    // Measured over a window of at least MIN_CPU_WINDOW_MS after the spin: idle.
    const quiet = await waitUntil(async () => {
      const usage = await sampler.sample(id);
      return usage && usage.cpu < IDLE_CPU_PERCENT ? usage : null;
    }, { what: `the idle process to show < ${IDLE_CPU_PERCENT} % CPU`, intervalMs: CPU_POLL_MS, timeoutMs: 5 * MIN_CPU_WINDOW_MS });
    expect(quiet.pids).toEqual([id.pid]);
    // Another sampler, and the stateless sampleTree, see it for the first time: its average since it started.
    expect((await new UsageSampler().sample(id))!.cpu).toBeGreaterThan(IDLE_CPU_PERCENT);
    expect((await sampleTree(id))!.cpu).toBeGreaterThan(IDLE_CPU_PERCENT);
  });

  it('samples many trees in one call, in order, with null for a root that is gone (never an error)', async () => {
    const a = await start('sleep', ['30']);
    const gone = await start('sleep', ['30']);
    gone.child.kill('SIGKILL');
    await waitUntil(() => !isAlive(gone.id), { what: 'the second root to die' });
    const sampler = new UsageSampler();
    const all = await sampler.sampleAll([a.id, gone.id, a.id, { ...a.id, startTime: a.id.startTime + 1 }]);
    expect(all.map((u) => u?.pids ?? null)).toEqual([[a.id.pid], null, [a.id.pid], null]);
    expect(all[0]!.rss).toBeGreaterThan(0);
    expect(await sampler.sampleAll([])).toEqual([]);
  });

  it('answers sample() calls made in the same tick together, each with its own tree', async () => {
    const a = await start('sleep', ['30']);
    const b = await start('/bin/sh', ['-c', 'sleep 30 & wait']);
    const child = await waitUntil(() => listChildren(b.id.pid)[0], { what: "the shell's child" });
    janitor.track(child);
    const sampler = new UsageSampler();
    const [ua, ub, ua2] = await Promise.all([sampler.sample(a.id), sampler.sample(b.id), sampler.sample(a.id)]);
    expect(ua?.pids).toEqual([a.id.pid]);
    expect(ub?.pids).toEqual([b.id.pid, child]);
    expect(ua2).toEqual(ua);
  });
});

describe('reading /proc', () => {
  it('reads the page size without a process, as getconf PAGESIZE gives it', () => {
    const expected = Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8', timeout: T(5_000) }).trim());
    expect(pageSize()).toBe(Number.isSafeInteger(expected) && expected > 0 ? expected : DEFAULT_PAGE_SIZE);
  });

  it('parses CPU time and RSS after a command name holding spaces and parentheses', () => {
    const fields = ['S', '1', '7', '7', '0', '-1', '4194560', '100', '0', '0', '0', '30', '12', '0', '0', '20', '0', '1', '0', '555', '1000', '250'];
    expect(parseProcUsage(`7 (a) b (c) ${fields.join(' ')} 0 0\n`)).toEqual({ ticks: 42, rss: 250 * pageSize() });
    expect(parseProcUsage('7 (x) S 1')).toBeNull();
  });
});
