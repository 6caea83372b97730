// Cluster mode (issue 17), on a real PostgreSQL (Debian's server, as the tests start it):
// - takeover: a long-running task on one of 3 hosts (each a supervising process of its own), its host killed with
//   SIGKILL; time until another host runs it (median and max over ROUNDS, leaseTime LEASE_MS);
// - startTask: against a cluster (from the supervising host itself, and from a client that hands the start to a host
//   in another process) vs a folder, vs a raw spawn of the same script; and the client's stopTask of that run, which
//   its host carries out (woken by a NOTIFY);
// - database round trips per run: the statements the supervising process sends for one `runTask` of a run that exits
//   at once (Db.totalRoundTrips: this process's Dbs, from `src/`), less its idle rate over the same time.
// Run alone: `npx tsx bench/cluster.ts` (after `npm run build`: hosts and timed Executors are the built package).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Executor } from '../dist/index.js';
import { Executor as SourceExecutor } from '../src/index.js';
import { Db } from '../src/cluster/db.js';
import { startPostgres, type PgServer } from '../test/helpers/postgres.js';
import { cleanUp, envInt, FIXTURES, fmtMs, median, newExecutor, nowMs, onCleanUp, onCleanUpSync, pause, tempFolder, waitUntil, type Figure } from './lib.js';

/** Takeover rounds (`BENCH_CLUSTER_TAKEOVER_ROUNDS`). */
export const TAKEOVER_ROUNDS = envInt('BENCH_CLUSTER_TAKEOVER_ROUNDS', 5);
/** The hosts' leaseTime in the takeover figure, ms (`BENCH_CLUSTER_LEASE_MS`). */
export const LEASE_MS = envInt('BENCH_CLUSTER_LEASE_MS', 2_000);
/** startTask rounds per side (`BENCH_CLUSTER_START_ROUNDS`). */
export const START_ROUNDS = envInt('BENCH_CLUSTER_START_ROUNDS', 20);
/** Runs counted for the round trips (`BENCH_CLUSTER_RT_RUNS`). */
export const RT_RUNS = envInt('BENCH_CLUSTER_RT_RUNS', 30);

const HOST = join(FIXTURES, 'cluster-supervisor.mjs');
const SLEEP = join(FIXTURES, 'sleep-long.sh');
const TRUE = join(FIXTURES, 'true.sh');
let schemas = 0;

const urlOf = (server: PgServer, tag: string): string => `${server.url}?schema=b_${tag}_${process.pid}_${schemas++}`;

function startHost(url: string, host: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [HOST, join(tempFolder('host'), host), url, host, String(LEASE_MS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanUpSync(() => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('ready')) resolve(child); });
    child.once('exit', (code) => reject(new Error(`host ${host} exited (${code})`)));
  });
}

const stopHost = (child: ChildProcess): Promise<unknown> => (child.exitCode !== null || child.signalCode !== null
  ? Promise.resolve()
  : new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }));

// One takeover: the host running `bot` killed, until another runs it (ms).
async function takeoverOnce(server: PgServer): Promise<number> {
  const url = urlOf(server, 'takeover');
  const client = newExecutor(tempFolder('client'), { cluster: url, host: 'client', leaseTime: LEASE_MS });
  await client.addTask('bot', SLEEP, { interpreter: 'sh', header: false });
  const hosts = new Map<string, ChildProcess>();
  for (const name of ['host-a', 'host-b', 'host-c']) hosts.set(name, await startHost(url, name));
  const started = await client.startTask('bot');
  if (started.result !== 'started' || started.pid === null) throw new Error(`bot did not start: ${JSON.stringify(started)}`);
  const [run] = await client.listRuns({ task: 'bot' });
  const victim = hosts.get(run!.host!)!;
  const t0 = nowMs();
  victim.kill('SIGKILL');
  let took = 0;
  await waitUntil(async () => {
    const row = (await client.listTasks())[0]!;
    if (row.status !== 'running' || row.pid === null || row.pid === started.pid) return false;
    took = nowMs() - t0;
    return true;
  }, 'another host to run bot', LEASE_MS + 30_000, 20);
  await client.stopTask('bot');
  await Promise.all([...hosts.values()].map(stopHost));
  await client.close();
  return took;
}

async function benchTakeover(server: PgServer): Promise<Figure> {
  const samples: number[] = [];
  for (let round = 0; round < TAKEOVER_ROUNDS; round++) samples.push(await takeoverOnce(server));
  const max = Math.max(...samples);
  return {
    figure: `takeover after kill -9 (3 hosts, leaseTime ${LEASE_MS / 1000} s), median / max`,
    ours: `${fmtMs(median(samples))} / ${fmtMs(max)}`, floor: `${fmtMs(LEASE_MS)} (leaseTime)`,
    ratio: `${(median(samples) / LEASE_MS).toFixed(2)}× leaseTime`, goal: `≤ leaseTime + 5 s`, pass: max <= LEASE_MS + 5_000,
    note: `samples: ${samples.map(fmtMs).join(', ')}`,
  };
}

// startTask then stopTask of `name` on `ex`, ms each.
async function timedStartStop(ex: Executor, name: string): Promise<[number, number]> {
  const t0 = nowMs();
  const row = await ex.startTask(name);
  const t1 = nowMs();
  if (row.result !== 'started') throw new Error(`${name} did not start: ${JSON.stringify(row)}`);
  const stopped = await ex.stopTask(name);
  if (stopped.result !== 'stopped') throw new Error(`${name} did not stop: ${JSON.stringify(stopped)}`);
  return [t1 - t0, nowMs() - t1];
}

const timedStart = async (ex: Executor, name: string): Promise<number> => (await timedStartStop(ex, name))[0];

// A raw spawn of the same script, until the child is spawned (ms).
async function rawSpawn(): Promise<number> {
  const t0 = nowMs();
  const child = spawn('sh', [SLEEP], { detached: true, stdio: 'ignore' });
  await new Promise((resolve, reject) => { child.once('spawn', resolve); child.once('error', reject); });
  const took = nowMs() - t0;
  child.kill('SIGKILL');
  return took;
}

async function benchStart(server: PgServer): Promise<Figure[]> {
  const url = urlOf(server, 'start');
  const folder = newExecutor(tempFolder('folder'));
  const host = newExecutor(tempFolder('self'), { cluster: url, host: 'self', leaseTime: 10_000 });
  const supervising = host.keepRestarting({ sleep: 1 });
  onCleanUp(() => supervising.stop());
  await supervising.ready;
  const client = newExecutor(tempFolder('client'), { cluster: url, host: 'client', leaseTime: 10_000 });
  const other = await startHost(url, 'other');
  await folder.addTask('a', SLEEP, { interpreter: 'sh', header: false });
  await host.addTask('a', SLEEP, { interpreter: 'sh', header: false, hosts: ['self'] });
  await host.addTask('b', SLEEP, { interpreter: 'sh', header: false, hosts: ['other'] });
  const sides = { folder: [] as number[], host: [] as number[], client: [] as number[], raw: [] as number[], stop: [] as number[] };
  for (let round = -1; round < START_ROUNDS; round++) { // round -1: warm-up
    const [clientStart, clientStop] = await timedStartStop(client, 'b');
    const got = [await timedStart(folder, 'a'), await timedStart(host, 'a'), clientStart, await rawSpawn()];
    if (round < 0) continue;
    sides.folder.push(got[0]!); sides.host.push(got[1]!); sides.client.push(got[2]!); sides.raw.push(got[3]!); sides.stop.push(clientStop);
  }
  await supervising.stop();
  await stopHost(other);
  const m = { folder: median(sides.folder), host: median(sides.host), client: median(sides.client), raw: median(sides.raw) };
  return [
    { figure: 'startTask, cluster (on the supervising host) vs folder', ours: fmtMs(m.host), floor: `${fmtMs(m.folder)} (folder); ${fmtMs(m.raw)} (raw spawn)`, ratio: `${(m.host / m.folder).toFixed(2)}× folder`, goal: '—', pass: null,
      note: `medians of ${START_ROUNDS}; one host, 'sh sleep-long.sh', header: false; startTask until it resolves (stopTask after, untimed)` },
    { figure: 'startTask, cluster (from a client, handed to a host)', ours: fmtMs(m.client), floor: `${fmtMs(m.folder)} (folder); ${fmtMs(m.raw)} (raw spawn)`, ratio: `${(m.client / m.folder).toFixed(2)}× folder`, goal: '—', pass: null,
      note: 'the client marks the task for the host (a NOTIFY wakes it), then waits until the host has started it' },
    { figure: 'stopTask from a client, carried out by the run\'s host', ours: fmtMs(median(sides.stop)), floor: '—', ratio: '—', goal: '< 1 s', pass: Math.max(...sides.stop) < 1_000,
      note: `max ${fmtMs(Math.max(...sides.stop))}; the client marks the run, a NOTIFY wakes its host, which stops and closes it; the client sees it closed` },
  ];
}

// Statements this process sent while `fn` ran.
async function counted(fn: () => Promise<void>): Promise<{ trips: number; ms: number }> {
  const trips = Db.totalRoundTrips;
  const t0 = nowMs();
  await fn();
  return { trips: Db.totalRoundTrips - trips, ms: nowMs() - t0 };
}

async function benchRoundTrips(server: PgServer): Promise<Figure> {
  const url = urlOf(server, 'trips');
  const ex = new SourceExecutor(tempFolder('trips'), { cluster: url, host: 'trips', leaseTime: 10_000 });
  ex.on('error', () => undefined);
  onCleanUp(() => ex.close());
  await ex.addTask('one', TRUE, { interpreter: 'sh', header: false, infiniteLoop: false });
  const handle = ex.keepRestarting({ sleep: 1 });
  onCleanUp(() => handle.stop());
  await handle.ready;
  for (let i = 0; i < 3; i++) await ex.waitRun(await ex.runTask('one')); // warm-up
  const runs = await counted(async () => { for (let i = 0; i < RT_RUNS; i++) await ex.waitRun(await ex.runTask('one')); });
  const idle = await counted(() => pause(Math.max(2_000, runs.ms)));
  const perRun = (runs.trips - idle.trips * (runs.ms / idle.ms)) / RT_RUNS;
  await handle.stop();
  await ex.close();
  return {
    figure: 'database round trips per run (runTask of a run that exits at once, on the supervising host)', ours: perRun.toFixed(1), floor: '—', ratio: '—', goal: '—', pass: null,
    note: `${runs.trips} statements for ${RT_RUNS} runs in ${fmtMs(runs.ms)}, less the idle rate (${(idle.trips / (idle.ms / 1000)).toFixed(1)}/s: heartbeats, passes, request polls)`,
  };
}

/** Every figure of this bench (starts and stops its own PostgreSQL). */
export async function benchCluster(): Promise<Figure[]> {
  const server = await startPostgres();
  onCleanUpSync(() => server.stop());
  return [await benchTakeover(server), ...await benchStart(server), await benchRoundTrips(server)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchCluster().then((figures) => {
    for (const f of figures) process.stdout.write(`${f.figure}: ${f.ours} | floor ${f.floor} | ${f.ratio} | goal ${f.goal}${f.note ? `\n  ${f.note}` : ''}\n`);
  }).finally(() => cleanUp());
}
