// Issue 17, fault test 2: a killed supervisor. 3 supervising hosts run 6 long-running tasks, each stamping
// `task host pid time` every 200 ms into a shared log; one supervisor is killed with SIGKILL. Its tasks run on the
// others within leaseTime + 5 s, and no sampled moment shows two copies of a task: for each task, the stamps of two
// pids never interleave (the old pid's last stamp is before the new pid's first, give or take the 200 ms sampling).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts, type TestHost, readStamps, type Stamp } from './kit.js';

const kit = useExecutors();
const startHost = useHosts(kit);
const STAMP_LOOP = fileURLToPath(new URL('../fixtures/cluster/stamp-loop.js', import.meta.url));
const LEASE_MS = 2000;
const TASKS = 6;
const HOSTS = ['host-a', 'host-b', 'host-c'];
/** The stamping interval of the fixture, the slack of "before". */
const SAMPLE_MS = 200;

/** Per pid of `task`: its first and last stamp, ordered by first stamp. */
function spans(stamps: Stamp[], task: string): { pid: string; host: string; first: number; last: number }[] {
  const byPid = new Map<string, { pid: string; host: string; first: number; last: number }>();
  for (const s of stamps.filter((x) => x.task === task)) {
    const span = byPid.get(s.pid) ?? { pid: s.pid, host: s.host, first: s.at, last: s.at };
    span.first = Math.min(span.first, s.at);
    span.last = Math.max(span.last, s.at);
    byPid.set(s.pid, span);
  }
  return [...byPid.values()].sort((a, b) => a.first - b.first);
}

describe('cluster fault test 2: a killed supervisor', () => {
  it('its tasks run on the other hosts within leaseTime + 5 s, and no task ever has two copies at once', async () => {
    const cluster = newCluster('faultkill');
    const log = path.join(kit.tmpDir(), 'stamps.log');
    const client = kit.open(kit.tmpDir(), { cluster, host: 'client', leaseTime: LEASE_MS });
    const names = Array.from({ length: TASKS }, (_, i) => `bot${i}`);
    for (const name of names) await client.addTask(name, STAMP_LOOP, { env: { STAMP_LOG: log } });
    const hosts = new Map<string, TestHost>();
    for (const name of HOSTS) hosts.set(name, await startHost(cluster, name, LEASE_MS));
    await client.startAll();
    await waitUntil(async () => (await client.listTasks()).every((r) => r.status === 'running' && r.pid !== null)
      && names.every((n) => readStamps(log).some((s) => s.task === n)), { what: 'every task to run and stamp', timeoutMs: T(30_000) });
    // The victim: the host running the most tasks (at least one).
    const rows = await client.listHosts();
    const victim = [...rows].filter((r) => HOSTS.includes(r.host)).sort((a, b) => b.tasks.length - a.tasks.length)[0]!;
    expect(victim.tasks.length).toBeGreaterThan(0);
    const moved = [...victim.tasks].sort();
    const oldPids = new Map(moved.map((n) => [n, spans(readStamps(log), n).at(-1)!.pid]));
    const killedAt = Date.now();
    hosts.get(victim.host)!.child.kill('SIGKILL');
    // Each of its tasks stamps from a new pid on another host.
    await waitUntil(() => {
      const stamps = readStamps(log);
      return moved.every((n) => stamps.some((s) => s.task === n && s.pid !== oldPids.get(n) && s.host !== victim.host));
    }, { what: `${moved.join(', ')} to run on another host`, timeoutMs: T(LEASE_MS + 5_000) });
    expect(Date.now() - killedAt).toBeLessThan(T(LEASE_MS + 5_000));
    // Sample a little longer, then check the whole log.
    const until = Date.now() + 1_000;
    await waitUntil(() => Date.now() >= until, { what: 'a second more of stamps', timeoutMs: T(5_000), intervalMs: 100 });
    const stamps = readStamps(log);
    for (const name of names) {
      const s = spans(stamps, name);
      if (moved.includes(name)) {
        expect(s.map((x) => x.host !== victim.host), `${name}: ${JSON.stringify(s)}`).toEqual([false, true]);
        expect(s[1]!.first - killedAt, `${name} taken over in time`).toBeLessThan(T(LEASE_MS + 5_000));
      } else {
        expect(s, `${name} stayed on its host, one copy`).toHaveLength(1);
      }
      // Never two copies: each pid's last stamp is before the next pid's first (give or take one sampling interval).
      for (let i = 1; i < s.length; i++) expect(s[i - 1]!.last, `${name}: ${JSON.stringify(s)}`).toBeLessThan(s[i]!.first + SAMPLE_MS);
    }
    // The tasks and hosts agree: no task on the dead host, every task running.
    const after = await client.listTasks();
    expect(after.filter((r) => r.status !== 'running')).toEqual([]);
    await waitUntil(async () => (await client.listHosts()).find((h) => h.host === victim.host)?.alive === false, { what: 'the victim to be down', timeoutMs: T(5_000) });
    await client.stopAll();
  }, T(90_000));
});
