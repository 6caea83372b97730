// The `email` alert channel: SMTP through nodemailer, with a summary and the last lines of output.
import type { AlertPayload } from '../payload.js';
import type { ChannelOutcome, EmailAlertChannel } from '../types.js';

/** Lines of output quoted at the end of an alert email. */
export const DEFAULT_ALERT_TAIL_LINES = 50;

/** Replaces `{kind}`, `{name}` and `{executorId}` in a subject template. */
export function alertSubject(template: string, payload: AlertPayload): string {
  const values: Record<string, string> = { kind: payload.kind, name: payload.name, executorId: payload.executorId };
  return template.replace(/\{(kind|name|executorId)\}/g, (_, key: string) => values[key] ?? '');
}

function runLines(payload: AlertPayload): string[] {
  const run = payload.run;
  if (run === null) return [];
  const exit = run.signal !== null ? `signal ${run.signal}` : run.exitCode !== null ? `code ${run.exitCode}` : 'unknown';
  return [
    `Trigger:  ${run.trigger}`,
    `Started:  ${run.startedAt}`,
    `Ended:    ${run.endedAt ?? '-'}`,
    `Exit:     ${exit}${run.timedOut ? ' (timed out)' : ''}`,
  ];
}

/**
 * The plain-text body of an alert email: a summary, then the last lines of output.
 * @param tail - The output's last lines, oldest first, or a string saying why they could not be read.
 */
export function formatAlertText(payload: AlertPayload, tail: readonly string[] | string): string {
  const lines = [
    `executor-sdk alert: ${payload.kind}`,
    '',
    `Task:     ${payload.name}`,
    `Reason:   ${payload.reason}`,
    `Run:      ${payload.runId ?? '-'}`,
    ...runLines(payload),
    `Time:     ${payload.time}`,
    `Executor: ${payload.executorId} (${payload.folder})`,
  ];
  if (payload.suppressed > 0) lines.push(`Suppressed since the previous alert: ${payload.suppressed}`);
  lines.push('');
  if (typeof tail === 'string') lines.push(`Output unavailable: ${tail}`);
  else if (tail.length === 0) lines.push('No output.');
  else lines.push(`Last ${tail.length} lines of output:`, '', ...tail);
  return `${lines.join('\n')}\n`;
}

function describeSmtpError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && !error.message.includes(code) ? `${code}: ${error.message}` : error.message;
}

/**
 * Sends the alert by SMTP (`secure` = implicit TLS; otherwise STARTTLS when the server offers it), with `tls`
 * settings passed to Node's TLS. `timeoutMs` bounds the connection, the greeting and each socket wait. Never rejects.
 */
export async function sendEmail(channel: EmailAlertChannel, payload: AlertPayload, tail: readonly string[] | string): Promise<ChannelOutcome> {
  const { default: nodemailer } = await import('nodemailer'); // loaded on first use: most processes never send mail
  const transport = nodemailer.createTransport({
    host: channel.host,
    port: channel.port,
    secure: channel.secure,
    ...(channel.auth ? { auth: { user: channel.auth.user, pass: channel.auth.pass } } : {}),
    ...(channel.tls ? { tls: { rejectUnauthorized: channel.tls.rejectUnauthorized } } : {}),
    connectionTimeout: channel.timeoutMs,
    greetingTimeout: channel.timeoutMs,
    socketTimeout: channel.timeoutMs,
  });
  // A transport error event must never become an uncaught exception.
  transport.on('error', () => undefined);
  try {
    await transport.sendMail({
      from: channel.from,
      to: channel.to,
      subject: alertSubject(channel.subject, payload),
      text: formatAlertText(payload, tail),
    });
    return { attempts: 1, error: null };
  } catch (error) {
    return { attempts: 1, error: `SMTP ${channel.host}:${channel.port}: ${describeSmtpError(error)}` };
  } finally {
    transport.close();
  }
}
