// A synchronous read of the cluster's `secrets` table, for a start: a run's env is built synchronously under the
// task's lock (task/run-env.ts), so a value that is not cached yet is read by a worker thread holding its own
// short-lived connection while this thread waits on an Atomics flag (at most SYNC_READ_TIMEOUT_MS). Values are cached
// by (schema, task, generation), which never changes, so a host waits once per task generation (and once per queued
// run); `prefetchSecrets` (cluster/secrets.ts) fills the cache without waiting. Choices: docs/decisions.md.
import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';

/** Longest a start waits for each of a read's connect and query, ms (callers pass less under a short leaseTime). */
export const SYNC_READ_TIMEOUT_MS = 5_000;
/** Slack of the main thread's wait over the worker's own timeouts, ms. */
const BACKSTOP_SLACK_MS = 200;

// The worker: one connection per read (closed at once), so it never holds one of the host's pooled connections.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const pg = require(workerData.pg);
const Client = (pg.default || pg).Client;
parentPort.on('message', async ({ port, flag, connectionString, sql, params, timeoutMs }) => {
  let reply;
  const client = new Client({ connectionString, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs, application_name: 'executor-sdk secrets' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    reply = { rows: (await client.query(sql, params)).rows };
  } catch (error) {
    reply = { error: String((error && error.message) || error) + (error && error.code ? ' (' + error.code + ')' : '') };
  }
  client.end().catch(() => undefined);
  port.postMessage(reply);
  port.close();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

let worker: Worker | null = null;

function theWorker(): Worker {
  if (worker !== null) return worker;
  const pg = createRequire(import.meta.url).resolve('pg');
  const made = new Worker(WORKER_SOURCE, { eval: true, workerData: { pg }, execArgv: [], stdout: true, stderr: true });
  made.unref(); // never keeps the process alive
  const forget = (): void => { if (worker === made) worker = null; };
  made.on('error', forget);
  made.on('exit', forget);
  worker = made;
  return made;
}

/** What a synchronous read gave: its rows, or the database's error in words. */
export type SyncRead<R> = { rows: R[] } | { error: string };

/**
 * Runs one read-only statement against the cluster database synchronously (see the file comment); never throws:
 * a failure (the database down, the timeout) is `{ error }`.
 * @example `const read = queryNow<{ body: string }>(url, 'SELECT body FROM "executor"."secrets" WHERE task = $1', ['api'])`
 */
export function queryNow<R>(connectionString: string, sql: string, params: readonly unknown[], timeoutMs = SYNC_READ_TIMEOUT_MS): SyncRead<R> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  try {
    theWorker().postMessage({ port: port2, flag, connectionString, sql, params, timeoutMs }, [port2]);
    // The worker answers within its own timeouts; this one is a backstop (a worker that died).
    const backstop = timeoutMs * 2 + BACKSTOP_SLACK_MS;
    if (Atomics.wait(flag, 0, 0, backstop) === 'timed-out') return { error: `no answer within ${backstop} ms` };
    const message = receiveMessageOnPort(port1)?.message as SyncRead<R> | undefined;
    return message ?? { error: 'no answer' };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    port1.close();
  }
}
