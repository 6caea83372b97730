// Issue 17, runs handed to the hosts (the jobs table), at its edges: waitRun while runs move from the jobs table into
// their task; cancelRun, stopTask and removeTask of runs no host has claimed; a full host handing its run over; what
// listRuns shows of a handed run (as a folder's queued run); a host killed between its claim and its take.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Executor, RunNotFoundError, type RunRecord } from '../../src/index.js';
import { fixture, useExecutors } from '../helpers/executor.js';
import { psql } from '../helpers/postgres.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const LEASE_MS = 2000;

// The server's URL and the schema of a cluster URL made by newCluster.
function splitUrl(cluster: string): { server: string; schema: string } {
  const url = new URL(cluster);
  const schema = url.searchParams.get('schema')!;
  url.search = '';
  return { server: url.toString(), schema };
}

// A script that appends `<runId> <host>` to $STAMP_LOG and exits.
function stampScript(): { script: string; log: string; stamps: () => string[][] } {
  const dir = kit.tmpDir();
  const script = path.join(dir, 'stamp.sh');
  const log = path.join(dir, 'stamps.log');
  writeFileSync(script, 'echo "${EXECUTOR_RUN_ID} ${EXECUTOR_HOST}" >> "${STAMP_LOG}"\n');
  const stamps = (): string[][] => {
    try { return readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')); } catch { return []; }
  };
  return { script, log, stamps };
}

const jobRows = (cluster: string, task: string): string => {
  const { server, schema } = splitUrl(cluster);
  return psql(server, `SELECT count(*) FROM "${schema}".jobs WHERE task = '${task}'`);
};

describe('cluster queue edges', () => {
  it('waitRun called at once on 200 handed runs never throws RunNotFoundError while they move into their task', async () => {
    const cluster = newCluster('qwait');
    await Promise.all(['host-a', 'host-b'].map((h) => startHost(cluster, h, 5000, { capacity: 4 })));
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client' });
    const { script, log, stamps } = stampScript();
    await client.addTask('quick', script, { env: { STAMP_LOG: log }, keepRuns: 1000 });
    const waits: Promise<unknown>[] = [];
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const id = await client.runTask('quick');
      ids.push(id);
      waits.push(client.waitRun(id, { timeout: T(120_000) }).catch((e: unknown) => e));
    }
    const results = await Promise.all(waits);
    expect(results.filter((r) => r instanceof RunNotFoundError)).toEqual([]);
    expect(results.filter((r) => r instanceof Error)).toEqual([]);
    expect((results as { status: string }[]).filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(stamps().length).toBe(200);
  }, T(180_000));

  it('cancelRun of a handed run no host may claim yet: cancelled, and it never runs once its host comes up', async () => {
    const cluster = newCluster('qcancel');
    await startHost(cluster, 'other', LEASE_MS); // a live host, so the client hands its runs over
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    const { script, log, stamps } = stampScript();
    await client.addTask('job', script, { env: { STAMP_LOG: log }, hosts: ['later'] });
    const runId = await client.runTask('job');
    expect(jobRows(cluster, 'job')).toBe('1');
    const cancelled = await client.cancelRun(runId);
    expect(cancelled).toMatchObject({ runId, status: 'cancelled' });
    expect(jobRows(cluster, 'job')).toBe('0');
    expect(await client.waitRun(runId, { timeout: T(5_000) })).toMatchObject({ status: 'cancelled' });
    await startHost(cluster, 'later', LEASE_MS);
    // A later run goes through host 'later' (it takes runs oldest first): the cancelled one was never run.
    const next = await client.runTask('job');
    expect(await client.waitRun(next, { timeout: T(20_000) })).toMatchObject({ status: 'succeeded', host: 'later' });
    expect(stamps().map(([id]) => id)).toEqual([next]);
    expect((await client.listRuns({ task: 'job' })).find((r) => r.runId === runId)).toMatchObject({ status: 'cancelled' });
  }, T(60_000));

  it('stopTask drops a task\'s unclaimed handed runs (cancelled); removeTask leaves no row of them', async () => {
    const cluster = newCluster('qstop');
    await startHost(cluster, 'other', LEASE_MS);
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    const { script, log, stamps } = stampScript();
    await client.addTask('job', script, { env: { STAMP_LOG: log }, hosts: ['later'] });
    await client.addTask('gone', script, { env: { STAMP_LOG: log }, hosts: ['later'] });
    const ids = [await client.runTask('job'), await client.runTask('job'), await client.runTask('job')];
    const goneIds = [await client.runTask('gone'), await client.runTask('gone')];
    expect(jobRows(cluster, 'job')).toBe('3');
    await client.stopTask('job');
    expect(jobRows(cluster, 'job')).toBe('0');
    for (const id of ids) expect(await client.waitRun(id, { timeout: T(5_000) })).toMatchObject({ status: 'cancelled' });
    expect(jobRows(cluster, 'gone')).toBe('2');
    await client.removeTask('gone');
    expect(jobRows(cluster, 'gone')).toBe('0');
    // Nothing of either runs once host 'later' is up (a later run of job goes through first and alone).
    await startHost(cluster, 'later', LEASE_MS);
    const next = await client.runTask('job');
    expect(await client.waitRun(next, { timeout: T(20_000) })).toMatchObject({ status: 'succeeded', host: 'later' });
    expect(stamps().map(([id]) => id)).toEqual([next]);
    expect(goneIds.every((id) => !stamps().some(([s]) => s === id))).toBe(true);
  }, T(60_000));

  it('runTask on a supervising host at its capacity hands the run to a host with room', async () => {
    const cluster = newCluster('qfull');
    const a = kit.open(kit.tmpDir(), { cluster, host: 'host-a', leaseTime: LEASE_MS, capacity: 1 });
    await a.addTask('loop', fixture('loop.js'), { hosts: ['host-a'] });
    const { script, log } = stampScript();
    await a.addTask('job', script, { env: { STAMP_LOG: log } });
    const handle = a.keepRestarting({ sleep: 1 });
    await handle.ready;
    await startHost(cluster, 'host-b', LEASE_MS, { capacity: 1 });
    await a.startTask('loop');
    expect((await a.listRuns({ task: 'loop' }))[0]).toMatchObject({ status: 'running', host: 'host-a' });
    const runId = await a.runTask('job');
    expect(await a.waitRun(runId, { timeout: T(20_000) })).toMatchObject({ status: 'succeeded', host: 'host-b' });
    await a.stopTask('loop');
    await handle.stop();
  }, T(60_000));

  it('listRuns from a client shows a handed, not yet taken run as queued, as a folder shows a queued run', async () => {
    // A folder first: a run queued under maxConcurrent.
    const folder = new Executor(kit.tmpDir(), { maxConcurrent: 1 });
    let folderQueued: RunRecord;
    try {
      await folder.addTask('loop', fixture('loop.js'));
      const first = await folder.runTask('loop');
      const second = await folder.runTask('loop');
      folderQueued = (await folder.listRuns({ task: 'loop' })).find((r) => r.runId === second)!;
      expect(folderQueued).toMatchObject({ status: 'queued' });
      await folder.cancelRun(second);
      await folder.cancelRun(first);
    } finally {
      await folder.close();
    }
    const cluster = newCluster('qlist');
    await startHost(cluster, 'other', LEASE_MS);
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    await client.addTask('job', fixture('once.js'), { hosts: ['later'] });
    const runId = await client.runTask('job');
    const runs = await client.listRuns({ task: 'job' });
    expect(runs).toHaveLength(1);
    const handed = runs[0]!;
    // The same record as a folder's queued run: status 'queued', no pid yet (0), no host, started = queued = created.
    expect(handed).toMatchObject({ runId, task: 'job', status: 'queued', pid: 0, endedAt: null, exitCode: null });
    expect(handed.startedAt).toBe(handed.queuedAt);
    expect(handed.createdAt).toBe(handed.queuedAt);
    expect(handed.host).toBeUndefined();
    const same = (r: Record<string, unknown>): Record<string, unknown> => ({ ...r, runId: '', task: '', startedAt: '', queuedAt: '', createdAt: '' });
    expect(same({ ...handed })).toEqual(same({ ...folderQueued }));
    expect(await client.listRuns({ task: 'job', status: 'queued' })).toHaveLength(1);
    expect(await client.getRun(runId)).toMatchObject({ runId, status: 'queued' });
    await client.cancelRun(runId);
  }, T(60_000));

  it('a handed run whose host is killed after claiming it, before taking it in, runs once on the host when it is back', async () => {
    const cluster = newCluster('qclaim');
    const { server, schema } = splitUrl(cluster);
    await startHost(cluster, 'other', LEASE_MS);
    const h1 = await startHost(cluster, 'h1', LEASE_MS);
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    const { script, log, stamps } = stampScript();
    await client.addTask('job', script, { env: { STAMP_LOG: log }, hosts: ['h1'] });
    // Hold the task's lock, so that h1 claims the run but cannot take it into its task.
    const holder = new pg.Client({ connectionString: server });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`${schema}/task/job`]);
      const runId = await client.runTask('job');
      await waitUntil(() => psql(server, `SELECT host FROM "${schema}".jobs WHERE run_id = '${runId}'`) === 'h1', { what: 'h1 to claim the run', timeoutMs: T(10_000) });
      h1.child.kill('SIGKILL');
      await holder.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`${schema}/task/job`]);
      await waitUntil(async () => (await client.listHosts()).find((h) => h.host === 'h1')?.alive === false, { what: 'h1 to be down', timeoutMs: T(LEASE_MS + 5_000) });
      // Its claim went back to the queue; nobody else may run it.
      await waitUntil(() => psql(server, `SELECT coalesce(host, 'none') FROM "${schema}".jobs WHERE run_id = '${runId}'`) === 'none', { what: 'the claim to go back', timeoutMs: T(5_000) });
      expect(stamps()).toEqual([]);
      await startHost(cluster, 'h1', LEASE_MS);
      expect(await client.waitRun(runId, { timeout: T(20_000) })).toMatchObject({ status: 'succeeded', host: 'h1' });
      expect(stamps()).toEqual([[runId, 'h1']]);
    } finally {
      await holder.end();
    }
  }, T(60_000));
});
