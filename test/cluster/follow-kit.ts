// Shared by the tests of following output across hosts (follow.test.ts, follow-out.test.ts): a client and host-a on a
// fresh cluster, followers drained in the background (ended after each test), and the live run of a task.
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { Executor } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';
import { newCluster, useHosts, type TestHost } from './kit.js';

/** `lines.js`: `$TAG <i>` on stdout (and `$TAG err <i> <runId>` on stderr with ERR=1), COUNT lines (0: forever), EVERY_MS apart. */
export const LINES = fileURLToPath(new URL('../fixtures/cli/supervise/lines.js', import.meta.url));

/** A follower drained in the background. */
export interface Drained { seen: string[]; errors: unknown[]; ended(): boolean; stop(): Promise<void> }

/** What a follow test uses; call at the top of a test file. */
export function useFollowKit(): {
  drain(lines: (signal: AbortSignal) => AsyncIterable<string>): Drained;
  liveRun(ex: Executor, task: string, not?: string): Promise<string>;
  cluster(tag: string): Promise<{ url: string; client: Executor; a: TestHost }>;
  startHost(url: string, name: string): Promise<TestHost>;
} {
  const kit = useExecutors();
  const startHost = useHosts(kit);
  const controllers: AbortController[] = [];
  const loops: Promise<void>[] = [];
  afterEach(async () => {
    for (const ac of controllers.splice(0)) ac.abort();
    await Promise.all(loops.splice(0));
  });
  return {
    drain(lines) {
      const ac = new AbortController();
      controllers.push(ac);
      const seen: string[] = [];
      const errors: unknown[] = [];
      let ended = false;
      const done = (async () => {
        try {
          for await (const line of lines(ac.signal)) seen.push(line);
        } catch (error) {
          errors.push(error);
        } finally {
          ended = true;
        }
      })();
      loops.push(done);
      return { seen, errors, ended: () => ended, stop: async () => { ac.abort(); await done; } };
    },
    async liveRun(ex, task, not) {
      const found = (r: { endedAt: string | null; status: string; runId: string }): boolean => r.endedAt === null && r.status === 'running' && r.runId !== not;
      return (await waitUntil(async () => (await ex.listRuns({ task })).find(found)?.runId, { what: `a live run of ${task}`, timeoutMs: T(10_000) }))!;
    },
    async cluster(tag) {
      const url = newCluster(tag);
      const client = kit.open(kit.tmpDir(), { cluster: url, host: 'client', leaseTime: 1000 });
      return { url, client, a: await startHost(url, 'host-a') };
    },
    startHost: (url, name) => startHost(url, name),
  };
}
