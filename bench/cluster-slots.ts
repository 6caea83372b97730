// Cluster mode (issue 17): scheduled-slot lateness across HOSTS hosts. TASKS tasks on a PERIOD_MS period, anchored
// evenly over the period (spread) or all on one instant (aligned), supervised by HOSTS hosts (each a supervising
// process of its own, from the source through tsx) on a real PostgreSQL (Debian's server, as the tests start it).
// Each run is the schedule bench's tiny sh script that stamps its own start (`date +%s%N`) with its slot
// (EXECUTOR_TRIGGER): lateness = the child's own time - its slot, so the pass, the placement, the task lock, the slot
// row, the spawn and the shell's start all count. Also: slots run twice (must be 0) and slots missing.
// `BENCH_ONLY=cluster-slots npm run bench` (BENCH_SLOTS_HOSTS, _TASKS, _SECONDS); spread first, then aligned.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Executor } from '../src/index.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { envInt, fmtMs, onCleanUpSync, pause, tempFolder, type Figure } from './lib.js';
import { latenessOf, LOG_ENV, STAMP_SCRIPT, STAMP_SHELL, type Slot } from './schedule-raw.js';

/** Supervising hosts (`BENCH_SLOTS_HOSTS`). */
export const HOSTS = envInt('BENCH_SLOTS_HOSTS', 3);
/** Scheduled tasks (`BENCH_SLOTS_TASKS`). */
export const TASKS = envInt('BENCH_SLOTS_TASKS', 10);
/** Seconds measured (`BENCH_SLOTS_SECONDS`). */
export const SECONDS = envInt('BENCH_SLOTS_SECONDS', 30);
/** The tasks' period, ms. */
export const PERIOD_MS = 2_000;
/** Goal: p99 lateness under this. */
export const GOAL_P99_MS = 100;

const HOST = fileURLToPath(new URL('../test/fixtures/cluster/supervisor.ts', import.meta.url));
const SETUP_LEAD_MS = 6_000;

function startHost(url: string, host: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOST, join(tempFolder('host'), host), url, host, '5000'], { stdio: ['pipe', 'pipe', 'inherit'] });
  onCleanUpSync(() => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => { if (chunk.toString().includes('supervising')) resolve(child); });
    child.once('exit', (code) => reject(new Error(`host ${host} exited (${code})`)));
  });
}

interface Lateness { slots: number; ran: number; twice: number; missing: number; p50: number; p99: number; max: number; load: string }

// One measurement on a fresh server and hosts: TASKS tasks spread over the period, or all on one instant.
async function measure(aligned: boolean): Promise<Lateness> {
  const server = await startPostgres();
  onCleanUpSync(() => server.stop());
  const url = `${server.url}?schema=slots_bench`;
  const dir = tempFolder('slots');
  const log = join(dir, 'stamps.log');
  const client = new Executor(join(dir, 'client'), { cluster: url, host: 'client' });
  const hosts = await Promise.all(Array.from({ length: HOSTS }, (_, i) => startHost(url, `h${i + 1}`)));
  const base = Math.ceil((Date.now() + SETUP_LEAD_MS) / PERIOD_MS) * PERIOD_MS;
  const offset = (i: number): number => (aligned ? 0 : Math.floor((i * PERIOD_MS) / TASKS));
  for (let i = 0; i < TASKS; i++) {
    await client.addTask(`s${i}`, STAMP_SCRIPT, { period: '2 sec', start: base + offset(i), infiniteLoop: false, header: false, interpreter: STAMP_SHELL, env: { [LOG_ENV]: log } });
  }
  const bad = (await client.startAll()).find((r) => r.result !== 'scheduled');
  if (bad) throw new Error(`startAll did not schedule every task: ${JSON.stringify(bad)}`);
  const first = base + PERIOD_MS; // the anchor's own slot is left out (the hosts may still be reading the table)
  const rounds = Math.floor((SECONDS * 1_000) / PERIOD_MS);
  const slots: Slot[] = Array.from({ length: rounds }, (_, k) => Array.from({ length: TASKS }, (_, i) => ({ task: `s${i}`, at: first + k * PERIOD_MS + offset(i) }))).flat();
  await pause(Math.max(...slots.map((s) => s.at)) + 3_000 - Date.now());
  const load = loadavg()[0]!.toFixed(1);
  const result = latenessOf(log, slots);
  await client.stopAll();
  await client.close();
  for (const host of hosts) host.kill('SIGKILL');
  server.stop();
  return { slots: slots.length, ran: result.values.length, twice: result.extra, missing: result.missed, p50: result.p50, p99: result.p99, max: result.max, load };
}

export async function benchClusterSlots(): Promise<{ figures: Figure[] }> {
  const spread = await measure(false);
  const aligned = await measure(true);
  const row = (l: Lateness): string => `p50 ${fmtMs(l.p50)}, max ${fmtMs(l.max)}; ${l.ran} of ${l.slots} slots ran, ${l.twice} twice, ${l.missing} missing; load average ${l.load} at the end`;
  return {
    figures: [{
      figure: `Scheduled-slot lateness p99 across ${HOSTS} hosts: ${TASKS} tasks on '2 sec' spread over the period, ${SECONDS} s`,
      ours: fmtMs(spread.p99), floor: '—', ratio: '—', goal: `< ${GOAL_P99_MS} ms`, pass: spread.p99 < GOAL_P99_MS && spread.twice === 0,
      note: row(spread), cause: 'The hosts, the database and the runs share 2 cores; each slot\'s pass, lock, slot row and spawn run on the picked host while the others poll.',
    }, {
      figure: `The same with all ${TASKS} tasks on one instant`, ours: fmtMs(aligned.p99), floor: '—', ratio: '—', goal: 'informational', pass: null, note: row(aligned),
    }],
  };
}
