// Issue 16, start order under a supervisor: a dependency crashes and restarts; a dependent that crashes with it waits
// (`waiting`, with the reason) instead of crash-looping, a restartWith dependent is restarted with it, another is left.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { supervising } from '../helpers/folder.js';
import { useExecutors } from '../helpers/executor.js';
import { waitUntil } from '../helpers/wait.js';
import { depsFixture, entry, freePort, readEntries, type LogEntry } from './kit.js';

const kit = useExecutors();

const starts = (entries: readonly LogEntry[], task: string): LogEntry[] => entries.filter((e) => e.what === 'start' && e.task === task);

describe('dependsOn under a supervisor', () => {
  it('a dependency crash: dependents wait for it (no crash loop), restartWith ones restart with it, others are left alone', async () => {
    const { ex, dir } = kit.make();
    const log = path.join(dir, 'log.txt');
    const port = await freePort();
    // db opens its port 1.5 s after each start: long enough to see its dependents wait.
    await ex.addTask('db', depsFixture('listen.cjs'), { wd: dir, env: { PORT: String(port), DELAY_MS: '1500', LOG: log }, ready: { port } });
    await ex.addTask('api', depsFixture('client.cjs'), { wd: dir, env: { DEP_PORT: String(port), LOG: log }, dependsOn: ['db'], ready: { afterMs: 100 } });
    await ex.addTask('worker', depsFixture('alive.cjs'), { wd: dir, env: { LOG: log }, dependsOn: ['db'], restartWith: true, ready: { afterMs: 100 } });
    await ex.addTask('cache', depsFixture('alive.cjs'), { wd: dir, env: { LOG: log }, dependsOn: ['db'], ready: { afterMs: 100 } });
    const handle = ex.keepRestarting({ sleep: 1 });
    try {
      await supervising(ex, handle);
      expect((await ex.startAll()).map((r) => r.result)).toEqual(['started', 'started', 'started', 'started']);
      const before = await waitUntil(() => { const e = readEntries(log); return ['api', 'worker', 'cache'].every((t) => starts(e, t).length === 1) && e; }, { what: 'every start logged' });
      const cachePid = (await ex.listTasks()).find((r) => r.name === 'cache')!.pid;
      const workerPid = (await ex.listTasks()).find((r) => r.name === 'worker')!.pid;

      process.kill(entry(before, 'start', 'db').pid, 'SIGKILL'); // db crashes; api loses its connection and exits 1
      const waiting = await waitUntil(async () => (await ex.listTasks()).find((r) => r.name === 'api' && r.status === 'waiting'), { what: 'api waiting' });
      expect(waiting.waiting).toMatch(/^db (is \w+|not ready \(no TCP connection on port \d+ yet\))$/);
      expect(waiting.pid).toBeNull();

      // Once db listens again, api starts once (no crash loop meanwhile) and worker is restarted after it.
      const after = await waitUntil(() => { const e = readEntries(log); return starts(e, 'api').length === 2 && starts(e, 'worker').length === 2 && e; }, { timeoutMs: 15_000, what: 'api and worker started again' });
      const dbListens = after.filter((e) => e.what === 'listen' && e.task === 'db');
      expect(dbListens).toHaveLength(2);
      expect(starts(after, 'api')[1]!.at).toBeGreaterThanOrEqual(dbListens[1]!.at);
      expect(starts(after, 'worker')[1]!.at).toBeGreaterThanOrEqual(dbListens[1]!.at);
      const rows = await waitUntil(async () => { const r = await ex.listTasks(); return r.every((t) => t.status === 'running') && r; }, { what: 'all running' });
      expect(rows.find((r) => r.name === 'cache')!.pid).toBe(cachePid); // not restartWith: left running
      expect(rows.find((r) => r.name === 'worker')!.pid).not.toBe(workerPid);
      expect(rows.find((r) => r.name === 'api')).toMatchObject({ waiting: null, lastTrigger: 'restart' });
      expect(starts(readEntries(log), 'api')).toHaveLength(2);
    } finally {
      await handle.stop();
    }
  }, 40_000);
});
