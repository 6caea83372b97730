// Cluster mode (issue 17), on a real PostgreSQL (Debian's server, as the tests start it) with 3 hosts, each a
// supervising process of its own on this machine:
// - runs handed to the hosts: RUNS `runTask` calls from a client that does not supervise, timed until every run has
//   started on a host (runs started per second across the 3 hosts), against a floor of RUNS raw spawns of the same
//   script from one process;
// - database transactions per run (pg_stat_database, less the idle rate of the same hosts);
// - the database's CPU with 3 hosts × TASKS_PER_HOST running tasks (its processes' utime + stime, % of one core).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Executor } from '../dist/index.js';
import { startPostgres, psql } from '../test/helpers/postgres.js';
import { Db } from '../src/cluster/db.js';
import { claimJobs, deleteJobs, enqueueJob } from '../src/cluster/jobs.js';
import { registerHost } from '../src/cluster/hosts.js';
import { checkClusterOptions } from '../src/cluster/options.js';
import { migrate } from '../src/cluster/schema.js';
import type { QueuedRun } from '../src/store/records.js';
import { envInt, FIXTURES, onCleanUp, onCleanUpSync, pause, tempFolder, waitUntil, type Figure } from './lib.js';

/** Runs handed to the hosts (`BENCH_CLUSTER_RUNS`). */
export const RUNS = envInt('BENCH_CLUSTER_RUNS', 600);
/** Running tasks per host for the database CPU figure (`BENCH_CLUSTER_TASKS`). */
export const TASKS_PER_HOST = envInt('BENCH_CLUSTER_TASKS', 100);
/** Seconds the database's CPU is sampled over (`BENCH_CLUSTER_CPU_S`). */
export const CPU_SECONDS = envInt('BENCH_CLUSTER_CPU_S', 20);
/** Rows claimed by 3 claimers at the SQL level (`BENCH_CLUSTER_CLAIMS`). */
export const CLAIMS = envInt('BENCH_CLUSTER_CLAIMS', 3000);
/** Tasks the handed runs are spread over in the main figure (one task's runs share its lock). */
export const SPREAD_TASKS = 10;
/** Goal: runs claimed and started per second across 3 hosts. */
export const GOAL_RUNS_PER_S = 200;

const HOSTS = ['host-a', 'host-b', 'host-c'];
const HOST = join(FIXTURES, 'cluster-host.mjs');
const TRUE = join(FIXTURES, 'true.sh');
const SLEEP = join(FIXTURES, 'sleep-long.sh');
const TICKS = 100; // clock ticks a second (getconf CLK_TCK on Linux)

function startHost(dir: string, url: string, host: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [HOST, join(dir, host), url, host, JSON.stringify({ leaseTime: '10 sec' })], { stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanUpSync(() => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve(child); });
    child.once('exit', (code) => reject(new Error(`host ${host} exited (${code})`)));
  });
}

async function stopHosts(hosts: ChildProcess[]): Promise<void> {
  await Promise.all(hosts.map((h) => new Promise((resolve) => { h.once('exit', resolve); h.kill('SIGTERM'); })));
}

// Transactions committed or rolled back in the database so far.
const transactions = (url: string): number => Number(psql(url, 'SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()').trim());

// utime + stime (ticks) of every process of the server whose data directory is `dir`: the postmaster and its live
// children, plus the postmaster's cutime + cstime (its children that ended and were reaped), so the sum only grows.
function serverTicks(dir: string): number {
  const postmaster = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
  let ticks = 0;
  for (const pid of [postmaster, ...childrenOf(postmaster)]) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + (pid === postmaster ? Number(fields[13]) + Number(fields[14]) : 0);
    } catch { /* gone */ }
  }
  return ticks;
}

function childrenOf(pid: number): number[] {
  try { return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number); } catch { return []; }
}

// RUNS raw spawns of the same script, back to back from one process, until each has exited: spawns a second.
async function floorRate(): Promise<number> {
  const t0 = performance.now();
  let left = RUNS;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < RUNS; i++) spawn('sh', [TRUE], { stdio: 'ignore' }).once('exit', () => { if (--left === 0) resolve(); });
  });
  return RUNS / ((performance.now() - t0) / 1000);
}

// Runs of `job` recorded as ended (one psql transaction).
const ended = (url: string, tag: string): number => Number(psql(url, `SELECT count(*) FROM bench.runs WHERE task LIKE '${tag}-%' AND record->>'endedAt' IS NOT NULL`).trim());

// Hands RUNS runs to the hosts; resolves with runs started a second, runTask calls a second, and transactions a run.
// The end is watched with psql (its own transactions subtracted), not waitRun, whose polls would count as the runs'.
async function handed(client: Executor, url: string, tag: string, tasks: number): Promise<{ started: number; asked: number; perRun: number; hosts: number }> {
  for (let t = 0; t < tasks; t++) await client.addTask(`${tag}-${t}`, TRUE, { interpreter: 'sh', header: false, keepRuns: RUNS * 2 });
  const idle0 = transactions(url);
  await pause(5_000);
  const idleRate = (transactions(url) - idle0 - 1) / 5;
  const x0 = transactions(url);
  const t0 = Date.now();
  const ids: string[] = [];
  for (let i = 0; i < RUNS; i++) ids.push(await client.runTask(`${tag}-${i % tasks}`));
  const askedMs = Date.now() - t0;
  let polls = 0;
  await waitUntil(() => { polls++; return ended(url, tag) >= RUNS; }, `${RUNS} runs to end`, 300_000, 100);
  const t1 = Date.now();
  const perRun = (transactions(url) - x0 - polls - 1 - idleRate * ((t1 - t0) / 1000)) / RUNS;
  const runs = await Promise.all(ids.map((id) => client.getRun(id)));
  const lastStart = Math.max(...runs.map((r) => Date.parse(r.startedAt!)));
  return { started: RUNS / ((lastStart - t0) / 1000), asked: RUNS / (askedMs / 1000), perRun, hosts: new Set(runs.map((r) => r.host)).size };
}

// CLAIMS jobs rows, claimed (32 at a time, then deleted, as a host does) by 3 claimers of their own pools at once:
// the SQL path of a claim alone, without the launches. Rows a second.
async function claimRate(url: string): Promise<number> {
  const dbs = HOSTS.map((host) => new Db(checkClusterOptions({ cluster: `${url}?schema=claims`, host })!));
  await migrate(dbs[0]!);
  // Claims are fenced by the claimer's registration (its host row, this pid): each claimer registers as a host does.
  for (const [h, db] of dbs.entries()) await registerHost(db, { host: HOSTS[h]!, pid: process.pid, capacity: null, labels: {} });
  const item = (i: number): QueuedRun => ({ runId: `r${i}`, trigger: 'manual', scheduledFor: null, triggerTime: null, args: null, env: null,
    queuedAt: new Date().toISOString(), reason: 'concurrency', oneOff: true, seq: i, data: null, event: null });
  for (let i = 0; i < CLAIMS; i += 100) await Promise.all(Array.from({ length: Math.min(100, CLAIMS - i) }, (_, j) => enqueueJob(dbs[0]!, { name: `t${(i + j) % 10}` }, item(i + j))));
  const t0 = performance.now();
  await Promise.all(dbs.map(async (db, h) => {
    for (;;) {
      const jobs = await claimJobs(db, HOSTS[h]!, {}, 32);
      if (jobs.length === 0) return;
      await deleteJobs(db, jobs.map((j) => j.item.runId));
    }
  }));
  const rate = CLAIMS / ((performance.now() - t0) / 1000);
  const [left] = await dbs[0]!.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${dbs[0]!.table('jobs')}`);
  if (left!.n !== 0) throw new Error(`${left!.n} of ${CLAIMS} rows were never claimed`);
  await Promise.all(dbs.map((db) => db.end()));
  return rate;
}

// 3 hosts × TASKS_PER_HOST running tasks: the database's CPU over CPU_SECONDS, % of one core.
async function idleCpu(client: Executor, dir: string): Promise<number> {
  for (let i = 0; i < TASKS_PER_HOST * HOSTS.length; i++) await client.addTask(`sleeper-${i}`, SLEEP, { interpreter: 'sh', header: false });
  await client.startAll();
  await waitUntil(async () => (await client.listTasks()).filter((r) => r.status === 'running').length >= TASKS_PER_HOST * HOSTS.length, 'every sleeper running', 300_000, 200);
  await pause(3_000);
  const c0 = serverTicks(dir);
  await pause(CPU_SECONDS * 1000);
  return ((serverTicks(dir) - c0) / TICKS / CPU_SECONDS) * 100;
}

export async function benchClusterQueue(): Promise<{ figures: Figure[] }> {
  const server = await startPostgres();
  onCleanUpSync(() => server.stop());
  const dir = tempFolder('cluster');
  const url = `${server.url}?schema=bench`;
  const floor = await floorRate();
  const hosts = await Promise.all(HOSTS.map((h) => startHost(dir, url, h)));
  const client = new Executor(join(dir, 'client'), { cluster: url, host: 'client' });
  client.on('error', () => undefined);
  onCleanUp(async () => { await client.stopAll().catch(() => undefined); await stopHosts(hosts); await client.close(); });
  const claims = await claimRate(server.url);
  const q = await handed(client, server.url, 'spread', SPREAD_TASKS);
  const one = await handed(client, server.url, 'one', 1);
  const cpu = await idleCpu(client, server.dir);
  const where = 'All 3 hosts, the client and PostgreSQL share this machine\'s 2 cores.';
  return {
    figures: [{
      figure: `Manual runs claimed a second across 3 hosts (the claim's SQL alone: ${CLAIMS} rows, 32 a claim, 3 claimers)`,
      ours: `${claims.toFixed(0)} runs/s`, floor: '—', ratio: '—', goal: `≥ ${GOAL_RUNS_PER_S} runs/s`, pass: claims >= GOAL_RUNS_PER_S,
      note: `UPDATE … WHERE seq IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT 32) RETURNING, then DELETE of the claimed rows, by 3 claimers with a pool each, at once, until the table is empty. The launches are the next figure. ${where}`,
    }, {
      figure: `Manual runs handed to 3 hosts end to end: ${RUNS} runTask calls from a client over ${SPREAD_TASKS} tasks, started a second`,
      ours: `${q.started.toFixed(0)} runs/s`, floor: `${floor.toFixed(0)} spawns/s (raw spawn + exit of the same script, one process)`,
      ratio: `${(q.started / floor).toFixed(2)}× the floor`, goal: 'informational (the spawns bound it)', pass: null,
      note: `From the first runTask to the last run's start on a host (each run claimed, launched under its task's lock, recorded, closed); the runs went to ${q.hosts} hosts. The client asked ${q.asked.toFixed(0)} runTask calls a second (one INSERT each). On one task (its lock shared by every launch and close): ${one.started.toFixed(0)} runs/s. ${where}`,
    }, {
      figure: 'Database transactions per handed run', ours: q.perRun.toFixed(1), floor: '—', ratio: '—', goal: 'informational', pass: null,
      note: 'pg_stat_database (xact_commit + xact_rollback) from the first runTask until every run was recorded ended, less the same hosts\' idle rate (heartbeats, polls) over as long and the bench\'s own psql checks; each statement outside a transaction counts as one (the client\'s INSERT and NOTIFY, the host\'s claim, lock, reads, intent, record, ledger, log lines, close, tail, delete).',
    }, {
      figure: `Database CPU with 3 hosts × ${TASKS_PER_HOST} running tasks`, ours: `${cpu.toFixed(1)} % of a core`, floor: '—', ratio: '—', goal: 'informational', pass: null,
      note: `utime + stime of the server's processes over ${CPU_SECONDS} s, every task running (\`sh sleep-long.sh\`), each host supervising (heartbeat every second, a pass at least every second).`,
    }],
  };
}
