import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkAlertOptions } from '../../src/alert/options.js';
import { DEFAULT_ALERT_TAIL_LINES, sendAlert } from '../../src/alert/send.js';
import type { AlertChannel, AlertConfig } from '../../src/alert/types.js';
import { readTail } from '../../src/output/tail.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { mailBody, samplePayload, useTestServers } from '../fixtures/alert/servers.js';

const WRITE_STDIN = fileURLToPath(new URL('../fixtures/alert/write-stdin.mjs', import.meta.url));
const servers = useTestServers();
const sandbox = useProcessSandbox();

function channelsOf(value: unknown): AlertChannel[] {
  return (checkAlertOptions(value) as AlertConfig).channels;
}

// A log that records lines, and a tail reader over a real output file with 60 lines.
function deps(): { logged: string[]; tailCalls: number[]; log(m: string): void; tailLines(n: number): Promise<string[]> } {
  const file = path.join(sandbox.dir, 'job.txt');
  writeFileSync(file, Array.from({ length: 60 }, (_, i) => `line-${String(i + 1).padStart(3, '0')}\n`).join(''));
  const logged: string[] = [];
  const tailCalls: number[] = [];
  return {
    logged,
    tailCalls,
    log: (m) => logged.push(m),
    tailLines: (n) => {
      tailCalls.push(n);
      return readTail(file, n);
    },
  };
}

describe('sendAlert', () => {
  it('sends through every channel; a failing one is logged and does not affect the others', async () => {
    const http = await servers.http((res) => res.writeHead(200).end());
    const smtp = await servers.smtp();
    const refused = await servers.closedPort();
    const out = path.join(sandbox.dir, 'stdin.json');
    const channels = channelsOf({
      command: [process.execPath, WRITE_STDIN, out],
      webhook: http.url,
      email: { host: '127.0.0.1', port: smtp.port, to: 'ops@test.local' },
      channels: [{ type: 'webhook', url: `http://127.0.0.1:${refused}/`, retries: 0 }],
    });
    const d = deps();
    const payload = samplePayload();
    const results = await sendAlert(payload, channels, d);
    expect(results).toEqual([
      { type: 'command', target: process.execPath, ok: true, attempts: 1, error: null },
      { type: 'webhook', target: new URL(http.url).origin, ok: true, attempts: 1, error: null },
      { type: 'email', target: `127.0.0.1:${smtp.port}`, ok: true, attempts: 1, error: null },
      { type: 'webhook', target: `http://127.0.0.1:${refused}`, ok: false, attempts: 1, error: `POST http://127.0.0.1:${refused} ECONNREFUSED (1 attempt)` },
    ]);
    expect(d.logged).toEqual([`Alert channel webhook failed for task job: POST http://127.0.0.1:${refused} ECONNREFUSED (1 attempt)`]);
    expect(JSON.parse((JSON.parse(readFileSync(out, 'utf8')) as { stdin: string }).stdin)).toEqual(payload.run);
    expect(JSON.parse(http.received[0]!.body)).toEqual(payload);
    expect(d.tailCalls).toEqual([DEFAULT_ALERT_TAIL_LINES]);
    const body = mailBody(smtp.messages[0]!.raw);
    expect(body).toContain('line-011\n');
    expect(body).toContain('line-060\n');
    expect(body).not.toContain('line-010');
  });

  it('never rejects: a hanging webhook times out and is logged', async () => {
    const http = await servers.http(() => undefined);
    const d = deps();
    const results = await sendAlert(samplePayload(), channelsOf({ webhook: { url: http.url, timeout: 200, retries: 0 } }), d);
    expect(results[0]).toMatchObject({ ok: false, error: expect.stringContaining('timed out after 200 ms') });
    expect(d.logged).toEqual([`Alert channel webhook failed for task job: ${results[0]!.error}`]);
  });

  it('reads the output tail once for all email channels, and not at all without one', async () => {
    const smtp = await servers.smtp();
    const email = { host: '127.0.0.1', port: smtp.port, to: 'ops@test.local' };
    const d = deps();
    await sendAlert(samplePayload(), channelsOf({ channels: [{ type: 'email', ...email }, { type: 'email', ...email }] }), d);
    expect(d.tailCalls).toEqual([DEFAULT_ALERT_TAIL_LINES]);
    expect(smtp.messages).toHaveLength(2);
    const none = deps();
    await sendAlert(samplePayload(), channelsOf({ command: 'true' }), none);
    expect(none.tailCalls).toEqual([]);
  });

  it('still emails when the tail cannot be read, and survives a throwing logger', async () => {
    const smtp = await servers.smtp();
    const results = await sendAlert(samplePayload(), channelsOf({ email: { host: '127.0.0.1', port: smtp.port, to: 'ops@test.local' }, command: 'exit 1' }), {
      log: () => {
        throw new Error('log is broken');
      },
      tailLines: () => Promise.reject(new Error('EACCES: permission denied')),
    });
    expect(results.map((r) => r.ok)).toEqual([false, true]);
    expect(mailBody(smtp.messages[0]!.raw)).toContain('Output unavailable: EACCES: permission denied');
  });

  it('reports an unknown channel type from a hand-edited record instead of throwing', async () => {
    const d = deps();
    const results = await sendAlert(samplePayload(), [{ type: 'pager' } as unknown as AlertChannel], d);
    expect(results).toEqual([{ type: 'pager', target: '', ok: false, attempts: 0, error: 'unknown channel type "pager"' }]);
    expect(d.logged).toEqual(['Alert channel pager failed for task job: unknown channel type "pager"']);
  });

  it('resolves to [] without channels', async () => {
    expect(await sendAlert(samplePayload(), [], deps())).toEqual([]);
  });
});
