import { describe, expect, it } from 'vitest';
import { retryDelayMs, sendWebhook, WEBHOOK_RETRY_BASE_MS, WEBHOOK_RETRY_MAX_MS } from '../../../src/alert/channels/webhook.js';
import type { WebhookAlertChannel } from '../../../src/alert/types.js';
import { samplePayload, useTestServers } from '../../fixtures/alert/servers.js';
import { T } from '../../helpers/time.js';

const servers = useTestServers();

function channel(url: string, overrides: Partial<WebhookAlertChannel> = {}): WebhookAlertChannel {
  return { type: 'webhook', url, headers: {}, retries: 3, timeoutMs: T(5_000), ...overrides };
}

describe('sendWebhook', () => {
  it('POSTs the alert as JSON with the configured headers', async () => {
    const http = await servers.http((res) => res.writeHead(204).end());
    const payload = samplePayload();
    const outcome = await sendWebhook(channel(http.url, { headers: { Authorization: 'Bearer abc' } }), payload);
    expect(outcome).toEqual({ attempts: 1, error: null });
    expect(http.received).toHaveLength(1);
    const [request] = http.received;
    expect(request).toMatchObject({ method: 'POST', path: '/hook?token=secret' });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers.authorization).toBe('Bearer abc');
    expect(request!.headers['user-agent']).toBe('executor-sdk');
    expect(JSON.parse(request!.body)).toEqual(payload);
  });

  it('retries after a 500 and succeeds on the next 200', async () => {
    const http = await servers.http((res, i) => res.writeHead(i === 0 ? 500 : 200).end('ok'));
    expect(await sendWebhook(channel(http.url), samplePayload())).toEqual({ attempts: 2, error: null });
    expect(http.received).toHaveLength(2);
    expect(http.received[1]!.body).toBe(http.received[0]!.body);
  });

  it('retries a 429, honouring a Retry-After of 0', async () => {
    const http = await servers.http((res, i) => (i === 0 ? res.writeHead(429, { 'retry-after': '0' }).end() : res.writeHead(200).end()));
    expect(await sendWebhook(channel(http.url), samplePayload())).toEqual({ attempts: 2, error: null });
  });

  it('gives up after `retries` retries, reporting the last status and only the URL origin', async () => {
    const http = await servers.http((res) => res.writeHead(503).end());
    const outcome = await sendWebhook(channel(http.url, { retries: 1 }), samplePayload());
    expect(http.received).toHaveLength(2);
    expect(outcome.attempts).toBe(2);
    expect(outcome.error).toBe(`POST ${new URL(http.url).origin} answered 503 Service Unavailable (2 attempts)`);
    expect(outcome.error).not.toContain('secret');
  });

  it('does not retry other 4xx answers', async () => {
    const http = await servers.http((res) => res.writeHead(404).end());
    const outcome = await sendWebhook(channel(http.url), samplePayload());
    expect(http.received).toHaveLength(1);
    expect(outcome).toEqual({ attempts: 1, error: `POST ${new URL(http.url).origin} answered 404 Not Found (1 attempt)` });
  });

  it('fails with a timeout on a server that never answers', async () => {
    const http = await servers.http(() => undefined);
    const outcome = await sendWebhook(channel(http.url, { timeoutMs: 200, retries: 1 }), samplePayload());
    expect(outcome.attempts).toBe(2);
    expect(outcome.error).toBe(`POST ${new URL(http.url).origin} timed out after 200 ms (2 attempts)`);
    expect(http.received).toHaveLength(2);
  });

  it('fails with the network cause when nothing listens', async () => {
    const port = await servers.closedPort();
    const outcome = await sendWebhook(channel(`http://127.0.0.1:${port}/x`, { retries: 1 }), samplePayload());
    expect(outcome).toEqual({ attempts: 2, error: `POST http://127.0.0.1:${port} ECONNREFUSED (2 attempts)` });
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base up to the cap', () => {
    expect(retryDelayMs(1)).toBe(WEBHOOK_RETRY_BASE_MS);
    expect(retryDelayMs(2)).toBe(2 * WEBHOOK_RETRY_BASE_MS);
    expect(retryDelayMs(3)).toBe(4 * WEBHOOK_RETRY_BASE_MS);
    expect(retryDelayMs(30)).toBe(WEBHOOK_RETRY_MAX_MS);
  });

  it('follows a Retry-After in seconds, capped, and ignores a date or garbage', () => {
    expect(retryDelayMs(1, '2')).toBe(2_000);
    expect(retryDelayMs(1, '3600')).toBe(WEBHOOK_RETRY_MAX_MS);
    expect(retryDelayMs(2, 'Wed, 21 Oct 2015 07:28:00 GMT')).toBe(2 * WEBHOOK_RETRY_BASE_MS);
  });
});
