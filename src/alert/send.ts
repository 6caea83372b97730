// Sends one alert through all its channels in parallel; failures are logged and reported, never thrown.
import { sendCommand } from './channels/command.js';
import { DEFAULT_ALERT_TAIL_LINES, sendEmail } from './channels/email.js';
import { sendWebhook } from './channels/webhook.js';
import type { AlertPayload } from './payload.js';
import type { AlertChannel, AlertDeps, ChannelOutcome, ChannelResult } from './types.js';

export { DEFAULT_ALERT_TAIL_LINES } from './channels/email.js';

/** Where a channel sends, without secrets: argv[0], the URL's origin, or `host:port`. */
export function channelTarget(channel: AlertChannel): string {
  switch (channel.type) {
    case 'command': return channel.command[0] ?? '';
    case 'webhook': {
      try {
        return new URL(channel.url).origin;
      } catch {
        return '';
      }
    }
    case 'email': return `${channel.host}:${channel.port}`;
    default: return '';
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// Reads the output tail once for all email channels; a failure becomes a note in the email.
async function readTail(deps: AlertDeps): Promise<readonly string[] | string> {
  try {
    return await deps.tailLines(DEFAULT_ALERT_TAIL_LINES);
  } catch (error) {
    return messageOf(error);
  }
}

function safeLog(deps: AlertDeps, message: string): void {
  try {
    deps.log(message);
  } catch {
    // A broken logger must not turn a failed alert into a crash.
  }
}

async function deliver(channel: AlertChannel, payload: AlertPayload, tail: () => Promise<readonly string[] | string>): Promise<ChannelOutcome> {
  switch (channel.type) {
    case 'command': return sendCommand(channel, payload);
    case 'webhook': return sendWebhook(channel, payload);
    case 'email': return sendEmail(channel, payload, await tail());
    // A hand-edited record may hold anything.
    default: return { attempts: 0, error: `unknown channel type ${JSON.stringify((channel as { type: unknown }).type)}` };
  }
}

/**
 * Sends `payload` through every channel at once and reports each outcome. Never throws or rejects: each failure
 * is logged through `deps.log` as `Alert channel <type> failed for task <name>: <why>`. Callers should not await
 * it on a path that restarts tasks.
 *
 * @example
 * ```ts
 * const results = await sendAlert(payload, config.channels, { log: (m) => logger(m), tailLines: (n) => readTail(file, n) });
 * ```
 */
export async function sendAlert(payload: AlertPayload, channels: readonly AlertChannel[], deps: AlertDeps): Promise<ChannelResult[]> {
  let tailPromise: Promise<readonly string[] | string> | undefined;
  const tail = (): Promise<readonly string[] | string> => (tailPromise ??= readTail(deps));
  return Promise.all(channels.map(async (channel): Promise<ChannelResult> => {
    let target = '';
    let outcome: ChannelOutcome;
    try {
      target = channelTarget(channel);
      outcome = await deliver(channel, payload, tail);
    } catch (error) {
      outcome = { attempts: 1, error: messageOf(error) };
    }
    if (outcome.error !== null) safeLog(deps, `Alert channel ${channel.type} failed for task ${payload.name}: ${outcome.error}`);
    return { type: channel.type, target, ok: outcome.error === null, attempts: outcome.attempts, error: outcome.error };
  }));
}
