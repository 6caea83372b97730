import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isAlive, readIdentity, readProcStat, type ProcessIdentity } from '../../src/process/identity.js';
import { listChildren } from '../../src/process/tree.js';
import { sampleTree, UsageSampler, type TreeUsage } from '../../src/process/usage.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { TIME_FACTOR } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

const HOG = fileURLToPath(new URL('../fixtures/process/hog.mjs', import.meta.url));
const MIB = 1024 * 1024;
/** Memory held by the hog child and by its grandchild. */
const CHILD_MB = 100;
const GRANDCHILD_MB = 50;
/** Time between two CPU samples while polling (pidusage needs a real interval to measure). */
const CPU_POLL_MS = 250;
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

/** Both ways to sample: the stateless function, and a fresh sampler per test. */
const WAYS: [string, () => Sample][] = [
  ['sampleTree', () => sampleTree],
  ['UsageSampler.sample', () => {
    const sampler = new UsageSampler();
    return (root) => sampler.sample(root);
  }],
];

describe.each(WAYS)('%s', (_label, makeSample) => {
  it('shows a busy loop using CPU from the second sample on', async () => {
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

describe('UsageSampler', () => {
  it('keeps its own CPU history, whatever other samplers and pidusage callers do', async () => {
    const { id } = await start(process.execPath, ['-e', 'for(;;){}']);
    const a = new UsageSampler();
    const b = new UsageSampler();
    expect((await a.sample(id))?.cpu).toBe(0);
    // b's first sight and sampleTree's reads do not count as a's previous sample.
    expect((await b.sample(id))?.cpu).toBe(0);
    await sampleTree(id);
    const busy = await waitUntil(async () => {
      const usage = await a.sample(id);
      return usage && usage.cpu > BUSY_CPU_PERCENT ? usage : null;
    }, { what: `the busy loop to show > ${BUSY_CPU_PERCENT} % CPU`, intervalMs: CPU_POLL_MS });
    expect(busy.pids).toEqual([id.pid]);
  });
});
