// The `webhook` alert channel: POSTs the alert as JSON, retrying network errors, timeouts, 5xx and 429.
import { setTimeout as delay } from 'node:timers/promises';
import type { AlertPayload } from '../payload.js';
import type { ChannelOutcome, WebhookAlertChannel } from '../types.js';

/** Wait before the first retry; it doubles for each further retry. */
export const WEBHOOK_RETRY_BASE_MS = 250;
/** Longest wait between two attempts (also caps a server's `Retry-After`). */
export const WEBHOOK_RETRY_MAX_MS = 5_000;
/** `User-Agent` of webhook requests. */
export const WEBHOOK_USER_AGENT = 'executor-sdk';
/** HTTP status that asks to retry later. */
export const HTTP_TOO_MANY_REQUESTS = 429;
/** First HTTP status of server errors (retried). */
export const HTTP_SERVER_ERROR = 500;

const MS_PER_SECOND = 1_000;

/** Wait before retry number `retry` (1-based): base·2^(retry-1), capped; a `Retry-After` in seconds wins, capped. */
export function retryDelayMs(retry: number, retryAfter: string | null = null): number {
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * MS_PER_SECOND, WEBHOOK_RETRY_MAX_MS);
  return Math.min(WEBHOOK_RETRY_BASE_MS * 2 ** (retry - 1), WEBHOOK_RETRY_MAX_MS);
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the webhook';
  }
}

// Why a fetch threw: timeout, or the network cause (ECONNREFUSED…) rather than undici's bare "fetch failed".
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `timed out after ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

interface Attempt {
  ok: boolean;
  retry: boolean;
  error: string | null;
  retryAfter: string | null;
}

async function attempt(channel: WebhookAlertChannel, body: string): Promise<Attempt> {
  try {
    const response = await fetch(channel.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT, ...channel.headers },
      body,
      signal: AbortSignal.timeout(channel.timeoutMs),
    });
    // The body is not needed: release the connection.
    await response.body?.cancel().catch(() => undefined);
    if (response.ok) return { ok: true, retry: false, error: null, retryAfter: null };
    const retry = response.status === HTTP_TOO_MANY_REQUESTS || response.status >= HTTP_SERVER_ERROR;
    const error = `answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    return { ok: false, retry, error, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    return { ok: false, retry: true, error: describeFetchError(error, channel.timeoutMs), retryAfter: null };
  }
}

/**
 * POSTs `payload` as JSON to the channel's URL. Each attempt has its own timeout; failed attempts are retried
 * (network error, timeout, 5xx, 429) up to `retries` times with a doubling wait ({@link retryDelayMs}); other
 * 4xx answers are not retried. Never rejects.
 */
export async function sendWebhook(channel: WebhookAlertChannel, payload: AlertPayload): Promise<ChannelOutcome> {
  const body = JSON.stringify(payload);
  let last: Attempt = { ok: false, retry: false, error: 'not attempted', retryAfter: null };
  let attempts = 0;
  while (attempts <= channel.retries) {
    if (attempts > 0) await delay(retryDelayMs(attempts, last.retryAfter));
    attempts += 1;
    last = await attempt(channel, body);
    if (last.ok) return { attempts, error: null };
    if (!last.retry) break;
  }
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  return { attempts, error: `POST ${originOf(channel.url)} ${last.error} (${tries})` };
}
