// Issue 17, fault test 1: spread. 30 long-running tasks started from a client across 3 hosts: each runs on exactly
// one host (its process stamps `task host pid time` every 200 ms into a shared log, sampled over a few seconds: one
// copy of each at every moment), and they are spread (each host has a fair share).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, readStamps, useHosts } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const TASKS = 30;
const HOSTS = ['host-a', 'host-b', 'host-c'];
/** Each host runs at least this many of the 30 (a fair share is 10). */
const FAIR_SHARE = 5;

const SCRIPT = `import { appendFileSync } from 'node:fs';
const stamp = () => appendFileSync(process.env.STAMP_LOG, \`\${process.env.STAMP_TASK} \${process.env.EXECUTOR_HOST} \${process.pid} \${Date.now()}\\n\`);
stamp();
setInterval(stamp, 200);
`;

describe('cluster: spread', () => {
  it('30 long-running tasks started from a client run once each, spread over 3 hosts', async () => {
    const cluster = newCluster('spread');
    const dir = kit.tmpDir();
    const log = path.join(dir, 'stamps.log');
    writeFileSync(path.join(dir, 'stamp.mjs'), SCRIPT);
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: 2000 });
    const names = Array.from({ length: TASKS }, (_, i) => `bot${String(i).padStart(2, '0')}`);
    for (const name of names) await client.addTask(name, path.join(dir, 'stamp.mjs'), { env: { STAMP_LOG: log, STAMP_TASK: name } });
    for (const host of HOSTS) await startHost(cluster, host, 2000);
    await client.startAll();
    await waitUntil(async () => (await client.listTasks()).every((r) => r.status === 'running' && r.pid !== null), { what: 'every task to run', timeoutMs: T(30_000) });
    // Sampled over three seconds from now: which processes stamp each task.
    const from = Date.now();
    await waitUntil(() => Date.now() - from >= 3_000, { what: 'three seconds of stamps', timeoutMs: T(10_000), intervalMs: 100 });
    const window = readStamps(log).filter((s) => s.at >= from);
    const onHost = new Map<string, string>();
    for (const name of names) {
      const copies = new Set(window.filter((s) => s.task === name).map((s) => `${s.host} ${s.pid}`));
      expect([...copies], name).toHaveLength(1);
      onHost.set(name, [...copies][0]!.split(' ')[0]!);
      // Over the whole test: one process of each task ever stamped.
      expect(new Set(readStamps(log).filter((s) => s.task === name).map((s) => s.pid)).size, name).toBe(1);
    }
    const shares = HOSTS.map((h) => [...onHost.values()].filter((x) => x === h).length);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(TASKS);
    for (const share of shares) expect(share, `shares ${shares.join('/')}`).toBeGreaterThanOrEqual(FAIR_SHARE);
    // The hosts' rows agree with the stamps.
    const rows = await client.listHosts();
    for (const host of HOSTS) expect(rows.find((r) => r.host === host)!.tasks.sort()).toEqual(names.filter((n) => onHost.get(n) === host));
    await client.stopAll();
  }, T(90_000));
});
