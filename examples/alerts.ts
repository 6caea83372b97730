// Alerts demo: a local webhook receiver, a task that fails, and the alerts the Executor POSTs to it (~2 s).
// Run it with: npm run build && npx tsx examples/alerts.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Executor, type AlertEvent } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
// How long a run may take before the demo gives up on it.
const RUN_TIMEOUT_MS = 30_000;

// 1. A tiny webhook receiver on a free local port: it keeps every request and answers 204.
interface Received { method: string; path: string; headers: Record<string, string | string[] | undefined>; body: unknown }
const received: Received[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try { body = JSON.parse(text); } catch { /* keep the raw text */ }
    received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
    res.writeHead(204).end();
  });
});
await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/alert`;
console.log(`Webhook receiver listening on ${url}`);

// 2. An Executor on a temp folder, alerting on failures and recoveries through the webhook.
const folder = mkdtempSync(join(tmpdir(), 'executor-sdk-alerts-'));
const ex = new Executor(folder, { alert: { on: ['failure', 'recovered'], webhook: url } });
console.log(`Executor ${ex.id} on ${ex.folder}\n`);

// The `alert` event fires for every alert condition, even when the rate limit keeps it off the channels.
ex.on('alert', (e) => console.log(`alert event: ${e.kind} for ${e.name} (rateLimited: ${e.rateLimited}, suppressed: ${e.suppressed}): ${e.reason}`));
ex.on('warning', (e) => console.log(`warning: ${e.message}`));
const nextAlert = (): Promise<AlertEvent> => new Promise((resolve) => ex.once('alert', resolve));

// Runs the task once and waits until it has ended and its alert has been delivered.
async function runOnce(env: Record<string, string>): Promise<void> {
  const alerted = nextAlert(); // listen before the run starts, so the alert cannot be missed
  const runId = await ex.runTask('flaky', { env });
  const run = await ex.waitRun(runId, { timeout: RUN_TIMEOUT_MS });
  console.log(`run ${runId} ended with exit code ${run.exitCode}`);
  await alerted;            // raised right after the run is recorded as ended
  await ex.flushAlerts();   // resolves once the webhook POST (with its retries) is done
}

try {
  await ex.addTask('flaky', 'jobs/fail.js', { wd: here, infiniteLoop: false });

  // 3. A failing run (exit 1): a `failure` alert, POSTed to the receiver.
  await runOnce({});

  // 4. A succeeding run: `recovered`. It comes within the rate limit (1 alert per task per 5 min by default),
  //    so the event still fires (rateLimited: true) but nothing is sent; the next sent alert will say `suppressed: 1`.
  await runOnce({ FAIL: '0' });

  // 5. What the receiver got.
  console.log(`\nThe webhook received ${received.length} request(s):`);
  for (const r of received) {
    console.log(`${r.method} ${r.path}  content-type: ${String(r.headers['content-type'])}  user-agent: ${String(r.headers['user-agent'])}`);
    console.log(JSON.stringify(r.body, null, 2));
  }

  console.log('\nAlert lines of the executor log:');
  (await ex.readLog(50)).filter((line) => line.includes('Alert')).forEach((line) => console.log(`  ${line}`));
} finally {
  // 6. Clean up: stop every task, close the receiver, remove the folder.
  await ex.stopAll();
  server.closeAllConnections();
  await new Promise<void>((closed) => server.close(() => closed()));
  rmSync(folder, { recursive: true, force: true });
}
