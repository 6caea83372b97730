// Issue 17, fault test 5: a program run whose host is killed (kill -9) mid-step finishes on another host, at its
// current step, from the step's checkpoint copied into the cluster (the same run, recorded on the new host, its input
// rebuilt there, never two copies at once). And the reverse rule: a script run whose host is killed is closed with
// exitUnknown and not run again.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { TakeoverEvent } from '../../src/events.js';
import { clusterUrl, useExecutors } from '../helpers/executor.js';
import { spawnJsonLines, type JsonLinesChild } from '../helpers/json-child.js';
import { PROGRAM_FIXTURES } from '../helpers/program.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
// Not the 1 s minimum: a host's watchdog stops its runs when its supervisor dies, and another host may take them over
// once the lease lapses (leaseTime after the last heartbeat): a longer lease leaves the watchdog more time on a loaded
// machine (with 1 s, the stamps once showed the new copy start 0.13 s before the old one's last stamp).
const LEASE_MS = 2000;
const FIXTURES = fileURLToPath(new URL('../fixtures/cluster/', import.meta.url));
const HOST = path.join(FIXTURES, 'program-host.ts');

type Child = JsonLinesChild<NodeJS.Signals | number | null>;
const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await c.exited;
  }
});

/** A supervising host in its own process that runs tasks with data when told (test/fixtures/cluster/program-host.ts). */
async function startRunner(cluster: string, name: string): Promise<{ child: Child; run(task: string, data?: unknown): Promise<string> }> {
  const child = spawnJsonLines(HOST, [path.join(kit.tmpDir(), name), cluster, name, String(LEASE_MS)], {
    stdin: 'pipe', what: `host ${name}`, mapExit: (code, signal) => signal ?? code, execArgv: ['--import', 'tsx'],
  });
  children.push(child);
  await child.line((l) => 'supervising' in l, 20_000);
  let asked = 0;
  return {
    child,
    async run(task, data) {
      const seen = child.lines.filter((l) => 'ran' in l || 'error' in l).length;
      asked++;
      child.child.stdin!.write(`${JSON.stringify({ run: task, data })}\n`);
      const done = (await waitUntil(() => child.lines.filter((l) => 'ran' in l || 'error' in l)[seen], { what: `host ${name} to run ${task} (#${asked})` }))!;
      if ('error' in done) throw new Error(String(done.error));
      return String(done.ran);
    },
  };
}

const schemaOf = (url: string): string => new URL(url).searchParams.get('schema')!;

/** The checkpoint of step `step` of run `runId` kept in the cluster, or null. */
function kept(cluster: string, runId: string, step: string): Record<string, number> | null {
  const out = psql(clusterUrl()!, `SELECT state FROM "${schemaOf(cluster)}".checkpoints WHERE run_id = '${runId}' AND step = '${step}'`);
  return out === '' ? null : JSON.parse(out) as Record<string, number>;
}

interface Stamp { kind: 'start' | 'tick' | 'done'; host: string; pid: number; at: number; value: string; rest: string[] }

function stamps(file: string): Stamp[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
    const parts = line.split(' ');
    const kind = parts[0] === 'start' || parts[0] === 'done' ? parts.shift() as 'start' | 'done' : 'tick';
    const [host, pid, at, value, ...rest] = parts;
    return { kind, host: host!, pid: Number(pid), at: Number(at), value: value ?? '', rest };
  });
}

describe('cluster: a program run whose host is killed mid-step', () => {
  it('goes on at its current step on the host placement picks, from the step\'s checkpoint, as the same run', async () => {
    const cluster = newCluster('programs');
    const dir = kit.tmpDir();
    const log = path.join(dir, 'stamps.log');
    const release = path.join(dir, 'release');
    const b = kit.open(kit.tmpDir(), { cluster, host: 'host-b', leaseTime: LEASE_MS });
    const takeovers: TakeoverEvent[] = [];
    b.on('takeover', (e) => takeovers.push(e));
    await b.addTask('counter', {
      wd: FIXTURES, env: { STAMP_LOG: log, RELEASE: release },
      steps: [{ name: 'count', script: 'checkpoint-step.js' }, { name: 'done', script: 'checkpoint-step.js' }],
    });
    const a = await startRunner(cluster, 'host-a');
    const runId = await a.run('counter', { tag: 'from-data' });
    // Host a counts; its checkpoint is copied into the cluster while the step runs (at most every 5 s).
    const saved = await waitUntil(() => kept(cluster, runId, 'count'), { what: 'a checkpoint copied while the step runs', timeoutMs: 15_000 });
    expect(saved.n).toBeGreaterThan(0);
    const savedN = saved.n!;
    const handle = b.keepRestarting({ sleep: 1 });
    await handle.ready;
    const c = await startHost(cluster, 'host-c', LEASE_MS);
    a.child.child.kill('SIGKILL');
    const resumed = await waitUntil(() => stamps(log).find((s) => s.kind === 'start' && s.host !== 'host-a'), { what: 'the step to start again on another host', timeoutMs: LEASE_MS + 10_000 });
    writeFileSync(release, '');
    const run = await b.waitRun(runId, { timeout: T(20_000) });
    const all = stamps(log);
    const onA = all.filter((s) => s.host === 'host-a');
    const onB = all.filter((s) => s.host === 'host-b');
    // The host placement picks (b: as idle as c, first by name) took it over; c ran nothing.
    expect(resumed.host).toBe('host-b');
    expect(all.filter((s) => s.host === c.name)).toEqual([]);
    // From the checkpoint: the copy kept when a died (at least the one seen before the kill), not from 0.
    const lastOnA = Math.max(...onA.filter((s) => s.kind === 'tick').map((s) => Number(s.value)));
    expect(Number(resumed.value)).toBeGreaterThanOrEqual(savedN);
    expect(Number(resumed.value)).toBeLessThanOrEqual(lastOnA);
    expect(Number(onB.find((s) => s.kind === 'tick')!.value)).toBe(Number(resumed.value) + 1);
    // Never two copies: every stamp of b's copy comes after the last of a's.
    expect(Math.min(...onB.map((s) => s.at)), JSON.stringify(all.slice(-12))).toBeGreaterThan(Math.max(...onA.map((s) => s.at)));
    // The same run, now recorded on b, ended there: its next step read the run's data from the input rebuilt on b.
    expect(run).toMatchObject({ runId, status: 'succeeded', host: 'host-b', exitUnknown: false });
    expect(run.steps.map((s) => [s.name, s.status])).toEqual([['count', 'completed'], ['done', 'completed']]);
    expect(onB.filter((s) => s.kind === 'done').map((s) => [s.value, ...s.rest])).toEqual([['from-data', '-', '-']]);
    expect((await b.listRuns({ task: 'counter' })).map((r) => r.runId)).toEqual([runId]);
    expect(takeovers).toEqual([{ name: 'counter', fromHost: 'host-a', toHost: 'host-b' }]);
    // The run ended: its checkpoints are gone from the cluster.
    expect(kept(cluster, runId, 'count')).toBeNull();
    await handle.stop();
  });
});

describe('cluster: a chain run of a program whose host is killed mid-step', () => {
  it('goes on on another host with its upstream (the note, the input file and the env)', async () => {
    const cluster = newCluster('programchain');
    const dir = kit.tmpDir();
    const log = path.join(dir, 'stamps.log');
    const release = path.join(dir, 'release');
    const b = kit.open(kit.tmpDir(), { cluster, host: 'host-b', leaseTime: LEASE_MS });
    await b.addTask('up', path.join(FIXTURES, '..', 'executor', 'once.js'), { infiniteLoop: false });
    await b.addTask('counter', {
      wd: FIXTURES, env: { STAMP_LOG: log, RELEASE: release }, after: [{ task: 'up' }],
      steps: [{ name: 'count', script: 'checkpoint-step.js' }, { name: 'done', script: 'checkpoint-step.js' }],
    });
    // Host a is the only live host: the chain run starts there.
    const a = await startRunner(cluster, 'host-a');
    const upId = await a.run('up');
    await waitUntil(() => stamps(log).some((s) => s.kind === 'tick' && s.host === 'host-a'), { what: 'the chain run to count on host a' });
    a.child.child.kill('SIGKILL');
    const handle = b.keepRestarting({ sleep: 1 });
    await handle.ready;
    await waitUntil(() => stamps(log).some((s) => s.kind === 'start' && s.host === 'host-b'), { what: 'the step to start again on host b', timeoutMs: LEASE_MS + 10_000 });
    writeFileSync(release, '');
    const [run] = await waitUntil(async () => {
      const runs = await b.listRuns({ task: 'counter' });
      return runs.length === 1 && runs[0]!.status === 'succeeded' && runs;
    }, { what: 'the chain run to end on host b', timeoutMs: 20_000 });
    expect(run).toMatchObject({ trigger: 'chain', host: 'host-b', upstream: { task: 'up', runId: upId } });
    expect(stamps(log).filter((s) => s.kind === 'done').map((s) => [s.host, ...s.rest])).toEqual([['host-b', upId, upId]]);
    await handle.stop();
  });
});

describe('cluster: a program run whose host is killed while it waits to retry a step', () => {
  it('retries the step on another host from the checkpoint copied when the step exited', async () => {
    const cluster = newCluster('programretry');
    const dirB = kit.tmpDir();
    const b = kit.open(dirB, { cluster, host: 'host-b', leaseTime: LEASE_MS });
    // Each attempt adds one to {count} in its checkpoint and exits 75 (retry) until the count is 2: well under 5 s,
    // so only the copy made at the step's exit is in the cluster.
    await b.addTask('counter', {
      wd: PROGRAM_FIXTURES, env: { TARGET: '2' }, retries: 3, retryExitCodes: [75], retryDelay: T(4_000),
      steps: [{ name: 'count', script: 'run-counter.js' }],
    });
    const a = await startRunner(cluster, 'host-a');
    const runId = await a.run('counter');
    expect(await waitUntil(() => kept(cluster, runId, 'count'), { what: 'the checkpoint copied at the step\'s exit' })).toEqual({ count: 1 });
    a.child.child.kill('SIGKILL');
    const handle = b.keepRestarting({ sleep: 1 });
    await handle.ready;
    const run = await b.waitRun(runId, { timeout: T(20_000) });
    expect(run).toMatchObject({ runId, status: 'succeeded', host: 'host-b' });
    expect(run.steps[0]).toMatchObject({ name: 'count', status: 'completed', retries: 1 });
    // The retry on b read the count a's attempt left: 1 + 1.
    expect(JSON.parse(readFileSync(path.join(dirB, 'runs', 'counter', runId, 'count.state.json'), 'utf8'))).toEqual({ count: 2 });
    await handle.stop();
  });
});

describe('cluster: a script run whose host is killed', () => {
  it('is closed with exitUnknown: true and not run again', async () => {
    const cluster = newCluster('scriptdown');
    const log = path.join(kit.tmpDir(), 'stamps.log');
    const b = kit.open(kit.tmpDir(), { cluster, host: 'host-b', leaseTime: LEASE_MS });
    await b.addTask('stamper', path.join(FIXTURES, 'stamp.js'), { infiniteLoop: false, env: { STAMP_LOG: log } });
    const a = await startRunner(cluster, 'host-a');
    const runId = await a.run('stamper');
    await waitUntil(() => stamps(log).length > 0, { what: 'the run to stamp' });
    const handle = b.keepRestarting({ sleep: 1 });
    await handle.ready;
    a.child.child.kill('SIGKILL');
    const closed = await waitUntil(async () => {
      const r = await b.getRun(runId);
      return r.status !== 'running' && r;
    }, { what: 'the dead host\'s run to be closed', timeoutMs: LEASE_MS + 10_000 });
    expect(closed).toMatchObject({ host: 'host-a', exitUnknown: true, exitCode: null });
    const closedAt = Date.now();
    // Host b goes on supervising for a while (its heartbeats say so): nothing runs the task again.
    await waitUntil(async () => Date.parse((await b.listHosts()).find((h) => h.host === 'host-b')!.heartbeatAt) > closedAt + 2_000, { what: 'host b to supervise 2 s more' });
    expect((await b.listRuns({ task: 'stamper' })).map((r) => r.runId)).toEqual([runId]);
    expect(stamps(log).filter((s) => s.host !== 'host-a')).toEqual([]);
    expect((await b.listTasks())[0]).toMatchObject({ name: 'stamper', pid: null });
    await handle.stop();
  });
});
