// Cluster mode (issue 17): one task table in PostgreSQL, two hosts (here two supervising processes on this machine,
// named host-a and host-b), and a client that only has the URL. The client adds tasks, hands 20 runs to the hosts,
// starts a long-running bot (it runs on one host), kills that host with SIGKILL and watches the other take the bot
// over (~15 s with a 3 s leaseTime).
// Run it with: npm run build && EXECUTOR_CLUSTER=postgres://user@localhost/db npx tsx examples/cluster.ts
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Executor } from '../dist/index.js';

const url = process.env.EXECUTOR_CLUSTER;
const [mode, host, folder] = process.argv.slice(2);

if (mode === 'host') {
  // One host: it registers, heartbeats, claims runs and supervises its tasks until SIGTERM (or SIGKILL).
  const ex = new Executor(folder!, { cluster: url!, host: host!, leaseTime: '3 sec' });
  const handle = ex.keepRestarting();
  await handle.ready;
  console.log(`${host} supervising`);
  process.on('SIGTERM', () => { void handle.stop().then(() => ex.close()); });
} else if (!url) {
  console.error('Set EXECUTOR_CLUSTER to a PostgreSQL URL (postgres://user@host/db?schema=demo), e.g. from a local server.');
  process.exitCode = 1;
} else {
  const dir = mkdtempSync(join(tmpdir(), 'executor-sdk-cluster-'));
  const schema = `demo_${process.pid}`; // a fresh schema: created and migrated on first use
  const cluster = `${url}${url.includes('?') ? '&' : '?'}schema=${schema}`;
  process.env.EXECUTOR_CLUSTER = cluster;
  const hosts = new Map<string, ChildProcess>();
  for (const name of ['host-a', 'host-b']) {
    const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, 'host', name, join(dir, name)], { stdio: ['ignore', 'inherit', 'inherit'] });
    hosts.set(name, child);
  }
  const client = new Executor(join(dir, 'client'), { cluster, host: 'client' });
  while ((await client.listHosts()).filter((h) => h.alive).length < 2) await new Promise((r) => setTimeout(r, 200));
  console.table((await client.listHosts()).map(({ host, pid, alive, capacity }) => ({ host, pid, alive, capacity })));

  // 20 runs handed to the hosts: each is one row, claimed by one host (FOR UPDATE SKIP LOCKED) and run once.
  await client.addTask('job', process.execPath, { args: ['-e', 'console.log(process.env.EXECUTOR_HOST)'], infiniteLoop: false });
  const ids = await Promise.all(Array.from({ length: 20 }, () => client.runTask('job')));
  const runs = await Promise.all(ids.map((id) => client.waitRun(id)));
  const perHost: Record<string, number> = {};
  for (const run of runs) perHost[run.host ?? '?'] = (perHost[run.host ?? '?'] ?? 0) + 1;
  console.log('runs per host:', perHost);
  console.log('output of the last run, read from its host:', await client.readOut('job', 1));

  // A long-running bot: handed to a host, which starts it; the client waits and gets its pid.
  await client.addTask('bot', process.execPath, { args: ['-e', 'setInterval(() => console.log("tick", process.env.EXECUTOR_HOST), 500)'] });
  console.log(await client.startTask('bot'));
  const owner = (await client.listRuns({ task: 'bot' }))[0]!.host!;
  console.log(`bot runs on ${owner}; killing ${owner} with SIGKILL (its watchdog stops the bot; the other host emits \`takeover\`)`);
  hosts.get(owner)!.kill('SIGKILL');
  const t0 = Date.now();
  for (;;) {
    const [run] = await client.listRuns({ task: 'bot' });
    if (run && run.host !== owner && run.endedAt === null) { console.log(`bot runs on ${run.host} after ${Date.now() - t0} ms`); break; }
    await new Promise((r) => setTimeout(r, 250));
  }
  console.table((await client.listHosts()).map(({ host, alive, tasks }) => ({ host, alive, tasks: tasks.join(',') })));

  await client.stopAll();
  for (const child of hosts.values()) child.kill('SIGTERM');
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
