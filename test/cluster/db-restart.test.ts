// Issue 17, fault test 8: PostgreSQL restarted mid-run. Three hosts run long-running tasks and a periodic one; the
// database goes down for twice `leaseTime` (a slow restart) and comes back. The supervisors reconnect: nobody is
// declared dead for the database's silence, every long-running task keeps its one process (stamps in a shared log,
// `task host pid time` every 200 ms, show one copy of each at every moment), and no slot of the periodic task ran twice.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { useHosts } from './kit.js';
import { startRestartable, type RestartableServer } from './pg-control.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const LEASE_MS = 1000;
const LOOPS = 6;

let server: RestartableServer | null = null;
beforeAll(async () => { server = await startRestartable(); }, T(60_000));
afterAll(() => server?.stop());

// A long-running task's script: stamps `<task> <host> <pid> <time>` every 200 ms.
const LOOP_SCRIPT = `import { appendFileSync } from 'node:fs';
const stamp = () => appendFileSync(process.env.STAMP_LOG, \`\${process.env.STAMP_TASK} \${process.env.EXECUTOR_HOST} \${process.pid} \${Date.now()}\\n\`);
stamp();
setInterval(stamp, 200);
`;
// The periodic task's: one stamp per run, `tick <host> <runId> <time>`.
const TICK_SCRIPT = `import { appendFileSync } from 'node:fs';
appendFileSync(process.env.STAMP_LOG, \`tick \${process.env.EXECUTOR_HOST} \${process.env.EXECUTOR_RUN_ID} \${Date.now()}\\n\`);
`;

interface Stamp { task: string; host: string; id: string; at: number }

function readStamps(log: string): Stamp[] {
  let text = '';
  try { text = readFileSync(log, 'utf8'); } catch { return []; }
  return text.split('\n').filter(Boolean).map((line) => {
    const [task, host, id, at] = line.split(' ');
    return { task: task!, host: host!, id: id!, at: Number(at) };
  });
}

// Per task, each pid's first and last stamp.
function spans(stamps: Stamp[], task: string): { id: string; host: string; first: number; last: number }[] {
  const byId = new Map<string, { id: string; host: string; first: number; last: number }>();
  for (const s of stamps.filter((x) => x.task === task)) {
    const span = byId.get(s.id);
    if (span) span.last = s.at;
    else byId.set(s.id, { id: s.id, host: s.host, first: s.at, last: s.at });
  }
  return [...byId.values()].sort((a, b) => a.first - b.first);
}

describe('cluster: the database restarted mid-run', () => {
  it('the supervisors reconnect; no host is declared dead, no long-running run is lost or doubled, no slot runs twice', async () => {
    const cluster = `${server!.url}?schema=s_dbrestart_${process.pid}`;
    const dir = kit.tmpDir();
    const log = path.join(dir, 'stamps.log');
    writeFileSync(path.join(dir, 'loop.mjs'), LOOP_SCRIPT);
    writeFileSync(path.join(dir, 'tick.mjs'), TICK_SCRIPT);
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    const names = Array.from({ length: LOOPS }, (_, i) => `loop${i}`);
    for (const name of names) await client.addTask(name, path.join(dir, 'loop.mjs'), { env: { STAMP_LOG: log, STAMP_TASK: name } });
    await client.addTask('tick', path.join(dir, 'tick.mjs'), { period: '1 sec', env: { STAMP_LOG: log } });
    const hosts = await Promise.all(['host-a', 'host-b', 'host-c'].map((name) => startHost(cluster, name, LEASE_MS)));
    const pids = new Map<string, number>();
    for (const [i, name] of names.entries()) {
      const row = await hosts[i % 3]!.start(name);
      expect(row).toMatchObject({ result: 'started' });
      pids.set(name, row.pid as number);
    }
    await hosts[0]!.start('tick');
    await waitUntil(() => names.every((n) => spans(readStamps(log), n).length === 1) && readStamps(log).some((s) => s.task === 'tick'), { what: 'every task to stamp', timeoutMs: T(10_000) });
    const before = new Map(names.map((n) => [n, spans(readStamps(log), n)[0]!]));

    // Down for twice leaseTime: longer than any host may go without a heartbeat.
    server!.halt();
    const downAt = Date.now();
    await waitUntil(() => Date.now() - downAt >= 2 * LEASE_MS, { what: 'twice leaseTime with the database down', timeoutMs: T(10_000), intervalMs: 50 });
    server!.resume();
    const upAt = Date.now();

    // Every host heartbeats again, and stays alive; the periodic task fires again.
    await waitUntil(async () => {
      const rows = await client.listHosts().catch(() => []);
      return rows.filter((h) => h.host.startsWith('host-') && h.alive && Date.parse(h.heartbeatAt) > upAt - 1000).length === 3;
    }, { what: 'the three hosts to heartbeat again', timeoutMs: T(10_000) });
    await waitUntil(() => readStamps(log).some((s) => s.task === 'tick' && s.at > upAt + 2 * LEASE_MS), { what: 'the periodic task to fire after the restart', timeoutMs: T(10_000) });
    await waitUntil(() => Date.now() - upAt >= 3 * LEASE_MS, { what: 'a host to be (wrongly) declared dead, if any', timeoutMs: T(10_000), intervalMs: 100 });

    for (const host of hosts) {
      expect(host.lines.filter((l) => 'lost' in l || 'refused' in l)).toEqual([]);
      expect(host.child.exitCode).toBeNull();
    }
    const hostRows = await client.listHosts();
    expect(hostRows.filter((h) => h.host.startsWith('host-')).map((h) => h.alive)).toEqual([true, true, true]);
    const stamps = readStamps(log);
    for (const name of names) {
      // One process all along, the one from before, still stamping.
      const all = spans(stamps, name);
      expect(all.map((s) => s.id), name).toEqual([before.get(name)!.id]);
      expect(all[0]!.last).toBeGreaterThan(upAt + 2 * LEASE_MS);
    }
    const rows = await client.listTasks();
    for (const name of names) expect(rows.find((r) => r.name === name), name).toMatchObject({ status: 'running', pid: pids.get(name) });
    for (const name of names) expect((await client.listRuns({ task: name })).length, name).toBe(1);
    // The periodic task: each run stamped once, each slot ran once.
    const ticks = stamps.filter((s) => s.task === 'tick');
    expect(new Set(ticks.map((t) => t.id)).size).toBe(ticks.length);
    const runs = await client.listRuns({ task: 'tick' });
    const slots = runs.map((r) => r.scheduledFor).filter((s) => s !== null);
    expect(new Set(slots).size).toBe(slots.length);
    for (const host of hosts) host.child.kill('SIGKILL');
  }, T(90_000));
});
