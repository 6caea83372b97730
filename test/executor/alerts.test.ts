// Alerts on one-off runs (runTask + waitRun): the `alert` event, the failure kinds, recovered, the command / webhook /
// email channels (real servers on 127.0.0.1), the per-task rate limit (injected clock), and task-over-Executor settings.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AddTaskOptions, AlertEvent, Executor, RunRecord } from '../../src/index.js';
import { mailBody, mailHeader, useTestServers } from '../fixtures/alert/servers.js';
import { FIXTURES, useExecutors } from '../helpers/executor.js';
import { collect } from '../helpers/folder.js';
import { waitUntil } from '../helpers/wait.js';
import { T } from '../helpers/time.js';

const WRITE_STDIN = fileURLToPath(new URL('../fixtures/alert/write-stdin.mjs', import.meta.url));
// Prints "<MARK> line N" for N < LINES (80), then exits with EXIT_CODE (1).
const LINES = 'i3-alert-lines.js';
const RUN_TIMEOUT_MS = 15_000;
const kit = useExecutors();
const servers = useTestServers();

/** Adds a one-shot task on a fixture. */
function addOnce(ex: Executor, name: string, options: AddTaskOptions = {}, script = LINES): Promise<unknown> {
  return ex.addTask(name, script, { wd: FIXTURES, infiniteLoop: false, ...options });
}

/** Runs `name` once and waits for its end and its `exit` event; the alerts of that run are raised by then. */
async function runOnce(ex: Executor, name: string, env: Record<string, string> = {}): Promise<{ run: RunRecord; alerts: AlertEvent[] }> {
  const exits = collect(ex, 'exit');
  const alerts = collect(ex, 'alert');
  const runId = await ex.runTask(name, { env });
  const run = await ex.waitRun(runId, { timeout: T(RUN_TIMEOUT_MS) });
  await waitUntil(() => exits.some((e) => e.runId === runId), { what: `the exit event of ${runId}` });
  return { run, alerts: alerts.filter((a) => a.runId === runId) };
}

/** Lines of a mail body (or any text) that read "<mark> line N", as the numbers N. */
function markedLines(text: string, mark: string): number[] {
  return text.split('\n').filter((l) => l.startsWith(`${mark} line `)).map((l) => Number(l.slice(`${mark} line `.length)));
}

const ok = (): ReturnType<typeof servers.http> => servers.http((res) => res.writeHead(204).end());

describe('the alert event', () => {
  it('is emitted (after exit) and logged with no channel at all: new Executor(dir, { alert: "failure" })', async () => {
    const { ex } = kit.make({ alert: 'failure' });
    await addOnce(ex, 'f');
    const order: string[] = [];
    ex.on('exit', (e) => order.push(`exit ${e.runId}`));
    ex.on('alert', (e) => order.push(`alert ${e.runId}`));
    const { run, alerts } = await runOnce(ex, 'f');
    expect(alerts).toEqual([{ kind: 'failure', name: 'f', runId: run.runId, reason: 'f exited with code 1', time: expect.any(String), run, rateLimited: false, suppressed: 0 }]);
    expect(order).toEqual([`exit ${run.runId}`, `alert ${run.runId}`]);
    // A second failure within the default 5 min is rate-limited: still emitted, with the count so far.
    const again = await runOnce(ex, 'f');
    expect(again.alerts).toMatchObject([{ kind: 'failure', rateLimited: true, suppressed: 1 }]);
    // 'recovered' is not in `on`: a success raises nothing.
    expect((await runOnce(ex, 'f', { EXIT_CODE: '0' })).alerts).toEqual([]);
    const log = await ex.readLog();
    expect(log.filter((l) => l.includes('Alert failure for f: f exited with code 1'))).toHaveLength(1);
    expect(log.filter((l) => l.includes('Alert failure for f rate-limited (f exited with code 1)'))).toHaveLength(1);
  });

  it.each([
    ['a non-zero exit', 'once.js', { args: [3] }, 'k exited with code 3', {}],
    ['a signal', 'self-kill.js', { args: ['SIGKILL'] }, 'k was killed by SIGKILL', { signal: 'SIGKILL' }],
    ['a timeout', 'loop.js', { timeout: 300 }, 'k timed out', { timedOut: true }],
  ] as const)('a failure is %s', async (_what, script, options, reason, runFields) => {
    const { ex } = kit.make({ alert: 'failure' });
    await addOnce(ex, 'k', options as AddTaskOptions, script);
    const { run, alerts } = await runOnce(ex, 'k');
    expect(run).toMatchObject(runFields);
    expect(alerts).toMatchObject([{ kind: 'failure', reason, run, rateLimited: false }]);
  });

  it('a run that exits 0 raises no failure; stopTask is not a failure either', async () => {
    const { ex } = kit.make({ alert: { on: ['failure', 'recovered', 'restart-loop'] } });
    await addOnce(ex, 'fine', {}, 'once.js');
    await addOnce(ex, 'long', {}, 'loop.js');
    const alerts = collect(ex, 'alert');
    expect((await runOnce(ex, 'fine')).alerts).toEqual([]);
    await ex.startTask('long');
    await ex.stopTask('long');
    await ex.flushAlerts();
    expect(alerts).toEqual([]);
  });

  it("'recovered': once, on the first success after failures", async () => {
    const { ex } = kit.make({ alert: { on: ['failure', 'recovered'], minInterval: 0 } });
    await addOnce(ex, 'r');
    expect((await runOnce(ex, 'r')).alerts.map((a) => a.kind)).toEqual(['failure']);
    expect((await runOnce(ex, 'r')).alerts.map((a) => a.kind)).toEqual(['failure']);
    const { run, alerts } = await runOnce(ex, 'r', { EXIT_CODE: '0' });
    expect(alerts).toMatchObject([{ kind: 'recovered', runId: run.runId, run, reason: 'r succeeded after failing', rateLimited: false }]);
    expect((await runOnce(ex, 'r', { EXIT_CODE: '0' })).alerts).toEqual([]);
  });
});

describe('channels', () => {
  it('command: the run record as JSON on stdin, EXECUTOR_ALERT_* in the environment (task-level setting only)', async () => {
    const out = path.join(kit.tmpDir(), 'alert.json');
    const { ex } = kit.make();
    await addOnce(ex, 'cmd', { alert: { command: [process.execPath, WRITE_STDIN, out] } });
    const { run } = await runOnce(ex, 'cmd');
    await ex.flushAlerts();
    const got = JSON.parse(readFileSync(out, 'utf8')) as { stdin: string; env: Record<string, string> };
    expect(JSON.parse(got.stdin)).toEqual(run);
    expect(got.env).toEqual({
      EXECUTOR_ALERT_KIND: 'failure', EXECUTOR_ALERT_TASK: 'cmd', EXECUTOR_ALERT_RUN_ID: run.runId,
      EXECUTOR_ALERT_REASON: 'cmd exited with code 1', EXECUTOR_ALERT_SUPPRESSED: '0',
    });
  });

  it('webhook: POSTs the payload as JSON, retrying a 503 and a hung attempt (its timeout); flushAlerts waits for it', async () => {
    // 1st: 503, 2nd: never answered (times out), 3rd: 204.
    const http = await servers.http((res, i) => { if (i === 0) res.writeHead(503).end(); else if (i === 2) res.writeHead(204).end(); });
    const { ex } = kit.make({ alert: { webhook: { url: http.url, retries: 3, timeout: 500 } } });
    await addOnce(ex, 'hook');
    const { run, alerts } = await runOnce(ex, 'hook');
    await ex.flushAlerts();
    expect(http.received).toHaveLength(3);
    for (const r of http.received) expect(r).toMatchObject({ method: 'POST', path: '/hook?token=secret', headers: { 'content-type': 'application/json' } });
    expect(new Set(http.received.map((r) => r.body)).size).toBe(1);
    expect(JSON.parse(http.received[2]!.body)).toEqual({
      kind: 'failure', name: 'hook', runId: run.runId, run, reason: 'hook exited with code 1', time: alerts[0]!.time, suppressed: 0, executorId: ex.id, folder: ex.folder,
    });
    expect((await ex.readLog()).filter((l) => l.includes('Alert channel'))).toEqual([]);
  });

  it('email: plain SMTP; the body holds the failing run\'s last 50 lines, not another run\'s', async () => {
    const smtp = await servers.smtp();
    const { ex } = kit.make({ alert: { email: { host: '127.0.0.1', port: smtp.port, to: 'ops@example.com' }, minInterval: 0 } });
    await addOnce(ex, 'mail');
    const first = await runOnce(ex, 'mail', { MARK: 'first' });
    await ex.flushAlerts();
    const second = await runOnce(ex, 'mail', { MARK: 'second', LINES: '10' });
    await ex.flushAlerts();
    expect(smtp.messages).toHaveLength(2);
    const [one, two] = smtp.messages.map((m) => mailBody(m.raw));
    expect(smtp.messages[0]).toMatchObject({ from: 'executor-sdk@localhost', to: ['ops@example.com'], user: null, secure: false });
    expect(mailHeader(smtp.messages[0]!.raw, 'subject')).toBe('[executor-sdk] failure: mail');
    expect(one).toContain(`Run:      ${first.run.runId}`);
    expect(one).toContain('Last 50 lines of output:');
    // The last lines of 80 (the footer may take up to 2 of the 50).
    const got = markedLines(one!, 'first');
    expect(got.at(-1)).toBe(79);
    expect(got.length).toBeGreaterThanOrEqual(48);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => 80 - got.length + i));
    expect(markedLines(two!, 'second')).toEqual([...Array(10).keys()]);
    expect(two).toContain(`# run: ${second.run.runId}`);
    expect(two).not.toContain('# padding:'); // the header's 4 KiB of padding is not mailed
    expect(markedLines(two!, 'first')).toEqual([]);
    expect(two).not.toContain(first.run.runId);
  });

  it('email: implicit TLS, tls settings and auth', async () => {
    const auth = { user: 'alerts', pass: 's3cret' };
    const smtp = await servers.smtp({ secure: true, auth });
    const { ex } = kit.make();
    await addOnce(ex, 'tls', {
      alert: { email: { host: '127.0.0.1', port: smtp.port, secure: true, tls: { rejectUnauthorized: false }, auth, from: 'exec@example.com', to: ['a@example.com', 'b@example.com'], subject: '[{executorId}] {kind}: {name}' } },
    });
    await runOnce(ex, 'tls');
    await ex.flushAlerts();
    expect(smtp.messages).toMatchObject([{ from: 'exec@example.com', to: ['a@example.com', 'b@example.com'], user: 'alerts', secure: true }]);
    expect(mailHeader(smtp.messages[0]!.raw, 'subject')).toBe(`[${ex.id}] failure: tls`);
  });

  it('failing channels are logged, one line each, and nothing throws, rejects or emits error/warning', async () => {
    const closed = await servers.closedPort();
    const selfSigned = await servers.smtp({ secure: true });
    const { ex } = kit.make({
      alert: {
        webhook: { url: `http://127.0.0.1:${closed}/x?token=secret`, retries: 2 },
        email: { host: '127.0.0.1', port: closed, to: 'ops@example.com' },
        command: 'echo boom >&2; exit 3',
        channels: [{ type: 'email', host: '127.0.0.1', port: selfSigned.port, secure: true, to: 'ops@example.com' }],
      },
    });
    const problems = [...collect(ex, 'error'), ...collect(ex, 'warning')];
    await addOnce(ex, 'bad');
    const { alerts } = await runOnce(ex, 'bad');
    expect(alerts).toMatchObject([{ kind: 'failure', rateLimited: false }]);
    // Two retries wait 250 + 500 ms: still in flight here; flushAlerts waits for them and their log lines.
    await ex.flushAlerts();
    const lines = (await ex.readLog()).filter((l) => l.includes('Alert channel'));
    expect(lines).toHaveLength(4);
    expect(lines.join('\n')).toContain(`Alert channel webhook failed for task bad: POST http://127.0.0.1:${closed} ECONNREFUSED (3 attempts)`);
    expect(lines.join('\n')).toContain(`Alert channel email failed for task bad: SMTP 127.0.0.1:${closed}: `);
    expect(lines.join('\n')).toContain(`Alert channel email failed for task bad: SMTP 127.0.0.1:${selfSigned.port}: `);
    expect(lines.join('\n')).toContain('Alert channel command failed for task bad: exited with code 3: boom');
    expect(lines.join('\n')).not.toContain('secret');
    expect(selfSigned.messages).toEqual([]);
    expect(problems).toEqual([]);
    // The Executor carries on.
    expect((await runOnce(ex, 'bad', { EXIT_CODE: '0' })).run.exitCode).toBe(0);
  });
});

describe('rate limit (injected clock)', () => {
  it('per task, 1 per 5 min by default; the next sent alert carries the suppressed count', async () => {
    const t0 = Date.parse('2026-03-01T12:00:00.000Z');
    let clock = t0;
    const http = await ok();
    const { ex } = kit.make({ now: () => clock, alert: { webhook: http.url } });
    await addOnce(ex, 'a');
    await addOnce(ex, 'b');
    const step = async (name: string, at: number): Promise<AlertEvent> => {
      clock = at;
      const [alert] = (await runOnce(ex, name)).alerts;
      await ex.flushAlerts();
      return alert!;
    };
    expect(await step('a', t0)).toMatchObject({ rateLimited: false, suppressed: 0, time: new Date(t0).toISOString() });
    expect(await step('a', t0 + 60_000)).toMatchObject({ rateLimited: true, suppressed: 1 });
    expect(await step('b', t0 + 60_000)).toMatchObject({ rateLimited: false, suppressed: 0 });
    expect(await step('a', t0 + 299_999)).toMatchObject({ rateLimited: true, suppressed: 2 });
    expect(await step('a', t0 + 300_000)).toMatchObject({ rateLimited: false, suppressed: 2 });
    expect(await step('a', t0 + 300_001)).toMatchObject({ rateLimited: true, suppressed: 1 });
    const bodies = http.received.map((r) => JSON.parse(r.body) as { name: string; suppressed: number });
    expect(bodies.map((b) => [b.name, b.suppressed])).toEqual([['a', 0], ['b', 0], ['a', 2]]);
    expect((await ex.readLog()).some((l) => l.includes('Alert failure for a: a exited with code 1 (2 suppressed before)'))).toBe(true);
  });

  it('a task minInterval (500 ms) replaces the default; the count reaches email and command too', async () => {
    const t0 = Date.parse('2026-03-01T12:00:00.000Z');
    let clock = t0;
    const smtp = await servers.smtp();
    const out = path.join(kit.tmpDir(), 'alert.json');
    const { ex } = kit.make({ now: () => clock });
    await addOnce(ex, 'm', { alert: { minInterval: 500, command: [process.execPath, WRITE_STDIN, out], email: { host: '127.0.0.1', port: smtp.port, to: 'ops@example.com' } } });
    const kinds: Array<[boolean, number]> = [];
    for (const at of [t0, t0 + 499, t0 + 500]) {
      clock = at;
      const [alert] = (await runOnce(ex, 'm')).alerts;
      kinds.push([alert!.rateLimited, alert!.suppressed]);
      await ex.flushAlerts();
    }
    expect(kinds).toEqual([[false, 0], [true, 1], [false, 1]]);
    expect(smtp.messages).toHaveLength(2);
    expect(mailBody(smtp.messages[1]!.raw)).toContain('Suppressed since the previous alert: 1');
    expect((JSON.parse(readFileSync(out, 'utf8')) as { env: Record<string, string> }).env.EXECUTOR_ALERT_SUPPRESSED).toBe('1');
  });
});

describe('task and Executor settings', () => {
  it('a task alert overrides the Executor\'s; kinds only keep its channels; false turns it off', async () => {
    const exHook = await ok();
    const taskHook = await ok();
    const { ex } = kit.make({ alert: { webhook: exHook.url, minInterval: 0 } });
    await addOnce(ex, 'inherit');
    await addOnce(ex, 'own', { alert: { webhook: taskHook.url } });
    await addOnce(ex, 'kinds', { alert: ['failure', 'recovered'] });
    await addOnce(ex, 'recOnly', { alert: 'recovered' });
    await addOnce(ex, 'off', { alert: false });
    const seen: string[] = [];
    for (const name of ['inherit', 'own', 'kinds', 'recOnly', 'off']) {
      for (const env of [{}, { EXIT_CODE: '0' }] as Array<Record<string, string>>) {
        for (const a of (await runOnce(ex, name, env)).alerts) seen.push(`${a.name} ${a.kind}${a.rateLimited ? ' limited' : ''}`);
      }
    }
    await ex.flushAlerts();
    expect(seen).toEqual(['inherit failure', 'own failure', 'kinds failure', 'kinds recovered', 'recOnly recovered']);
    const sent = (hook: { received: Array<{ body: string }> }): string[] => hook.received.map((r) => JSON.parse(r.body) as { name: string; kind: string }).map((b) => `${b.name} ${b.kind}`);
    expect(sent(exHook)).toEqual(['inherit failure', 'kinds failure', 'kinds recovered', 'recOnly recovered']);
    expect(sent(taskHook)).toEqual(['own failure']);
  });
});
