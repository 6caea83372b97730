// Alerts of supervised infinite loops: failing channels never block restarts, the default rate limit over a crash
// loop, the email of a run restarted at once, and 'restart-loop' (backoff at its cap with an injected clock; give-up).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { Executor, KeepRestartingOptions, SupervisorHandle } from '../../src/index.js';
import { mailBody, useTestServers } from '../fixtures/alert/servers.js';
import { FIXTURES, useExecutors } from '../helpers/executor.js';
import { collect, eventOf, supervising } from '../helpers/folder.js';
import { waitUntil } from '../helpers/wait.js';

const WRITE_STDIN = fileURLToPath(new URL('../fixtures/alert/write-stdin.mjs', import.meta.url));
// Prints "<MARK> line N" for N < LINES (80; MARK defaults to the run id), then exits with EXIT_CODE (1).
const LINES = 'i3-alert-lines.js';
// Delays before restarts 1-4 of a fast-failure streak are 0, 0.5, 1 and 2 s (± 10 %).
const RESTARTS_TIMEOUT_MS = 20_000;
const kit = useExecutors();
const servers = useTestServers();
const handles: SupervisorHandle[] = [];
afterEach(async () => {
  for (const handle of handles.splice(0)) await handle.stop().catch(() => undefined);
});

async function supervise(ex: Executor, options: KeepRestartingOptions = { sleep: 60 }): Promise<SupervisorHandle> {
  const handle = ex.keepRestarting(options);
  handles.push(handle);
  await supervising(ex, handle);
  return handle;
}

describe('supervised loops', () => {
  it('failing channels (closed ports, a hung webhook) are logged and never crash the supervisor nor delay restarts', async () => {
    const closed = await servers.closedPort();
    const hung = await servers.http(() => undefined);
    const { ex } = kit.make({
      alert: {
        minInterval: 0,
        webhook: { url: `http://127.0.0.1:${closed}/`, retries: 1 },
        email: { host: '127.0.0.1', port: closed, to: 'ops@example.com' },
        channels: [{ type: 'webhook', url: hung.url, retries: 0, timeout: '1 min' }],
      },
    });
    await ex.addTask('loop', LINES, { wd: FIXTURES, env: { LINES: '3' } });
    const problems = [...collect(ex, 'error'), ...collect(ex, 'warning')];
    const alerts = collect(ex, 'alert');
    const restarts = collect(ex, 'restart');
    const handle = await supervise(ex);
    let settled = false;
    handle.done.then(() => { settled = true; }, () => { settled = true; });
    await ex.startTask('loop');
    await waitUntil(() => alerts.length >= 1, { what: 'the first alert' });
    // The first delivery hangs on the webhook for up to a minute: flushAlerts stays pending all along.
    let flushed = false;
    void ex.flushAlerts().then(() => { flushed = true; });
    await waitUntil(() => restarts.length >= 4, { timeoutMs: RESTARTS_TIMEOUT_MS, what: '4 restarts' });
    expect(flushed).toBe(false);
    expect(hung.received.length).toBeGreaterThanOrEqual(1);
    expect((JSON.parse(hung.received[0]!.body) as { runId: string }).runId).toBe(alerts[0]!.runId);
    expect(alerts.slice(0, 4).map((a) => [a.kind, a.rateLimited])).toEqual(Array(4).fill(['failure', false]));
    const log = await waitUntil(async () => {
      const lines = await ex.readLog();
      const failed = (channel: string) => lines.some((l) => l.includes(`Alert channel ${channel} failed for task loop:`) && l.includes(`127.0.0.1:${closed}`));
      return failed('webhook') && failed('email') && lines;
    }, { what: 'the channel failures in the log' });
    expect(log.some((l) => l.includes(`POST http://127.0.0.1:${closed} ECONNREFUSED (2 attempts)`))).toBe(true);
    expect(settled).toBe(false);
    expect(problems).toEqual([]);
  });

  it('default rate limit over a crash loop; the email shows the crashed run\'s last lines, not those of the run restarted at once', async () => {
    const http = await servers.http((res) => res.writeHead(204).end());
    const smtp = await servers.smtp();
    const { ex } = kit.make({ alert: { webhook: http.url, email: { host: '127.0.0.1', port: smtp.port, to: 'ops@example.com' } } });
    await ex.addTask('crashy', LINES, { wd: FIXTURES });
    const alerts = collect(ex, 'alert');
    const starts = collect(ex, 'start');
    const restarts = collect(ex, 'restart');
    await supervise(ex);
    await ex.startTask('crashy');
    await waitUntil(() => restarts.length >= 3 && alerts.length >= 3, { timeoutMs: RESTARTS_TIMEOUT_MS, what: '3 restarts' });
    await ex.flushAlerts();
    expect(alerts.slice(0, 3).map((a) => [a.kind, a.rateLimited, a.suppressed])).toEqual([['failure', false, 0], ['failure', true, 1], ['failure', true, 2]]);
    expect(http.received).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    // The first failure was restarted at once (1st fast failure of the streak).
    const failed = alerts[0]!.runId!;
    expect(starts[0]!.runId).toBe(failed);
    expect(starts[1]!.trigger).toBe('restart');
    const body = mailBody(smtp.messages[0]!.raw);
    const lines = body.split('\n').filter((l) => l.startsWith(`${failed} line `)).map((l) => Number(l.slice(`${failed} line `.length)));
    expect(lines.at(-1)).toBe(79);
    expect(lines.length).toBeGreaterThanOrEqual(48);
    for (const other of starts.slice(1)) expect(body).not.toContain(other.runId);
  });

  it("'restart-loop' when the supervisor gives up under maxRestarts: a payload without a run on the command's stdin", async () => {
    // A shell line: each alert writes its own file, named by its kind (the environment is set per alert).
    const outDir = kit.tmpDir();
    const command = `"${process.execPath}" "${WRITE_STDIN}" "${outDir}/$EXECUTOR_ALERT_KIND.json"`;
    const { ex } = kit.make({ alert: { on: ['failure', 'restart-loop'], minInterval: 0, command } });
    await ex.addTask('quitter', LINES, { wd: FIXTURES, maxRestarts: 1, env: { LINES: '1' } });
    const alerts = collect(ex, 'alert');
    const starts = collect(ex, 'start');
    const loop = eventOf(ex, 'alert', (a) => a.kind === 'restart-loop', RESTARTS_TIMEOUT_MS);
    await supervise(ex);
    await ex.startTask('quitter');
    const alert = await loop;
    await ex.flushAlerts();
    expect(alerts.map((a) => a.kind)).toEqual(['failure', 'failure', 'restart-loop']);
    expect(alert).toMatchObject({ name: 'quitter', runId: starts[1]!.runId, run: null, rateLimited: false });
    expect(alert.reason).toMatch(/giving up/);
    const stdin = JSON.parse((JSON.parse(readFileSync(path.join(outDir, 'restart-loop.json'), 'utf8')) as { stdin: string }).stdin) as Record<string, unknown>;
    expect(stdin).toMatchObject({ kind: 'restart-loop', name: 'quitter', runId: starts[1]!.runId, run: null, reason: alert.reason, executorId: ex.id });
  });
});

describe("'restart-loop' at the backoff cap (injected clock, tick)", () => {
  it('is raised from the 9th fast failure in a row (delay at its 60 s cap), and at each crash after it, not before', async () => {
    let clock = Date.parse('2026-03-01T12:00:00.000Z');
    const { ex } = kit.make({ now: () => clock, alert: { on: 'restart-loop', minInterval: 0 } });
    await ex.addTask('capped', LINES, { wd: FIXTURES, env: { LINES: '1' } });
    const alerts = collect(ex, 'alert');
    const backoffs = collect(ex, 'backoff');
    const exits = collect(ex, 'exit');
    const alertsAtBackoff: number[] = [];
    await ex.startTask('capped');
    for (let crash = 1; crash <= 10; crash++) {
      await waitUntil(() => exits.length >= crash, { what: `crash ${crash}` });
      const seen = backoffs.length;
      await ex.tick(); // decides: restart at once, or back off
      if (backoffs.length > seen) {
        alertsAtBackoff.push(alerts.length);
        clock = Date.parse(backoffs.at(-1)!.until) + 1;
        await ex.tick(); // the backoff is over: restart
      }
    }
    expect(backoffs.map((b) => b.failStreak)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(backoffs.slice(-2).every((b) => b.delayMs >= 54_000)).toBe(true);
    expect(backoffs.slice(0, -2).every((b) => b.delayMs < 54_000)).toBe(true);
    // No alert up to streak 8; one at streak 9 and one at streak 10.
    expect(alertsAtBackoff).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 2]);
    expect(alerts.map((a) => a.kind)).toEqual(['restart-loop', 'restart-loop']);
    expect(alerts[0]!.reason).toMatch(/^capped is in a restart loop: .*9th fast failure in a row/);
    expect(alerts[0]).toMatchObject({ name: 'capped', runId: exits[8]!.runId, run: null });
  });

  it("'recovered' once the restarted loop has been up 30 s, with no run record (non-periodic task)", async () => {
    let clock = Date.parse('2026-03-01T12:00:00.000Z');
    const { ex } = kit.make({ now: () => clock, alert: { on: ['failure', 'recovered'], minInterval: 0 } });
    await ex.addTask('steady', 'i3-alert-flaky.js', { wd: FIXTURES, env: { FLAG_FILE: path.join(kit.tmpDir(), 'failed') } });
    const alerts = collect(ex, 'alert');
    const failed = eventOf(ex, 'exit', (e) => e.name === 'steady');
    await ex.startTask('steady');
    await failed;
    const restarted = eventOf(ex, 'start', (e) => e.trigger === 'restart');
    await ex.tick();
    const up = await restarted;
    clock += 29_000;
    await ex.tick();
    expect(alerts.map((a) => a.kind)).toEqual(['failure']);
    clock += 1_000;
    await ex.tick();
    clock += 60_000;
    await ex.tick();
    expect(alerts.map((a) => a.kind)).toEqual(['failure', 'recovered']);
    expect(alerts[1]).toMatchObject({ name: 'steady', runId: up.runId, run: null, reason: 'steady has been running stably again', rateLimited: false });
  });
});
