// Validation of alert channels (`command`, `webhook`, `email`, `channels[]`) into normalised AlertChannels.
import { InvalidAlertError } from '../errors.js';
import { checkBool, checkDuration, checkInt, checkList, checkObject, checkText, isPlainObject } from './check.js';
import type { AlertChannel, CommandAlertChannel, EmailAlertChannel, WebhookAlertChannel } from './types.js';

/** Default timeout of a `command` channel: 30 s (the command's process group is then killed). */
export const DEFAULT_ALERT_COMMAND_TIMEOUT_MS = 30_000;
/** Default retries of a webhook after its first attempt. */
export const DEFAULT_WEBHOOK_RETRIES = 3;
/** Most retries a webhook may ask for. */
export const MAX_WEBHOOK_RETRIES = 10;
/** Default timeout of each webhook attempt: 10 s. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
/** Default SMTP port (submission, STARTTLS when offered). */
export const DEFAULT_SMTP_PORT = 587;
/** Default SMTP port when `secure` (implicit TLS). */
export const DEFAULT_SMTPS_PORT = 465;
/** Highest TCP port. */
export const MAX_PORT = 65_535;
/** Default connection / greeting / socket timeout of the email channel: 30 s. */
export const DEFAULT_EMAIL_TIMEOUT_MS = 30_000;
/** Default sender of alert emails. */
export const DEFAULT_ALERT_FROM = 'executor-sdk@localhost';
/** Default subject template of alert emails. */
export const DEFAULT_ALERT_SUBJECT = '[executor-sdk] {kind}: {name}';
/** Channel types accepted in `channels[].type`. */
export const ALERT_CHANNEL_TYPES = ['command', 'webhook', 'email'] as const;

const COMMAND_KEYS = ['command', 'timeout'];
const WEBHOOK_KEYS = ['url', 'headers', 'retries', 'timeout'];
const EMAIL_KEYS = ['host', 'port', 'secure', 'auth', 'tls', 'from', 'to', 'subject', 'timeout'];
// RFC 9110 token characters of a header name.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const URL_EXPECTED = "an http(s) URL like 'https://hooks.example.com/alert'";
const ADDRESS_EXPECTED = "an email address like 'ops@example.com'";
const RECIPIENTS_EXPECTED = `${ADDRESS_EXPECTED}, or a non-empty array of them`;

function checkArgv(value: unknown, option: string): string[] {
  const expected = "a shell command line (run by sh -c), a non-empty array of strings (argv), or { command, timeout? }";
  if (typeof value === 'string') {
    if (value.trim() === '' || value.includes('\0')) throw new InvalidAlertError(option, expected, value);
    return ['sh', '-c', value];
  }
  const ok = Array.isArray(value) && value.length > 0 && value.every((a) => typeof a === 'string' && !a.includes('\0')) && value[0] !== '';
  if (!ok) throw new InvalidAlertError(option, expected, value);
  return [...(value as string[])];
}

/** Normalises a `command` channel: a shell line, an argv array, or `{ command, timeout? }`. */
export function checkCommandChannel(value: unknown, option: string, extraKeys: readonly string[] = []): CommandAlertChannel {
  if (!isPlainObject(value)) return { type: 'command', command: checkArgv(value, option), timeoutMs: DEFAULT_ALERT_COMMAND_TIMEOUT_MS };
  const o = checkObject(value, option, [...extraKeys, ...COMMAND_KEYS], 'an object { command, timeout? }');
  return {
    type: 'command',
    command: checkArgv(o.command, `${option}.command`),
    timeoutMs: checkDuration(o.timeout, `${option}.timeout`, DEFAULT_ALERT_COMMAND_TIMEOUT_MS, true),
  };
}

function checkUrl(value: unknown, option: string): string {
  let url: URL | null = null;
  try {
    url = typeof value === 'string' ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new InvalidAlertError(option, URL_EXPECTED, value);
  // fetch refuses URLs with credentials: they belong in an Authorization header.
  if (url.username !== '' || url.password !== '') throw new InvalidAlertError(option, `${URL_EXPECTED} without user:password (put credentials in \`headers\`)`, value);
  return url.href;
}

function checkHeaders(value: unknown, option: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isPlainObject(value)) throw new InvalidAlertError(option, 'an object of header names to string values', value);
  // fromEntries defines own properties, so even a `__proto__` header stays a header.
  return Object.fromEntries(Object.entries(value).map(([name, v]) => {
    if (!HEADER_NAME.test(name)) throw new InvalidAlertError(`${option}.${name}`, 'a header whose name is an HTTP token', name);
    return [name, checkText(v, `${option}.${name}`, 'a non-empty string without line breaks')];
  }));
}

/** Normalises a `webhook` channel: a URL or `{ url, headers?, retries?, timeout? }`. */
export function checkWebhookChannel(value: unknown, option: string, extraKeys: readonly string[] = []): WebhookAlertChannel {
  if (typeof value === 'string') {
    return { type: 'webhook', url: checkUrl(value, option), headers: {}, retries: DEFAULT_WEBHOOK_RETRIES, timeoutMs: DEFAULT_WEBHOOK_TIMEOUT_MS };
  }
  const o = checkObject(value, option, [...extraKeys, ...WEBHOOK_KEYS], `${URL_EXPECTED}, or an object { url, headers?, retries?, timeout? }`);
  return {
    type: 'webhook',
    url: checkUrl(o.url, `${option}.url`),
    headers: checkHeaders(o.headers, `${option}.headers`),
    retries: checkInt(o.retries, `${option}.retries`, 0, MAX_WEBHOOK_RETRIES, DEFAULT_WEBHOOK_RETRIES),
    timeoutMs: checkDuration(o.timeout, `${option}.timeout`, DEFAULT_WEBHOOK_TIMEOUT_MS, true),
  };
}

function checkAddress(value: unknown, option: string, expected = ADDRESS_EXPECTED): string {
  const text = checkText(value, option, expected);
  if (!text.includes('@')) throw new InvalidAlertError(option, expected, value);
  return text;
}

function checkAuth(value: unknown, option: string): { user: string; pass: string } {
  const o = checkObject(value, option, ['user', 'pass'], 'an object { user, pass }');
  if (typeof o.pass !== 'string') throw new InvalidAlertError(`${option}.pass`, 'a string', o.pass);
  return { user: checkText(o.user, `${option}.user`), pass: o.pass };
}

function checkTls(value: unknown, option: string): { rejectUnauthorized: boolean } {
  const o = checkObject(value, option, ['rejectUnauthorized'], 'an object { rejectUnauthorized? }');
  return { rejectUnauthorized: checkBool(o.rejectUnauthorized, `${option}.rejectUnauthorized`, true) };
}

/** Normalises an `email` channel `{ host, port?, secure?, auth?, tls?, from?, to, subject?, timeout? }`. */
export function checkEmailChannel(value: unknown, option: string, extraKeys: readonly string[] = []): EmailAlertChannel {
  const o = checkObject(value, option, [...extraKeys, ...EMAIL_KEYS], 'an object { host, port?, secure?, auth?, tls?, from?, to, subject?, timeout? }');
  const host = checkText(o.host, `${option}.host`, 'an SMTP host name or address');
  const secure = checkBool(o.secure, `${option}.secure`, o.port === DEFAULT_SMTPS_PORT);
  const channel: EmailAlertChannel = {
    type: 'email',
    host,
    port: checkInt(o.port, `${option}.port`, 1, MAX_PORT, secure ? DEFAULT_SMTPS_PORT : DEFAULT_SMTP_PORT),
    secure,
    from: o.from === undefined ? DEFAULT_ALERT_FROM : checkAddress(o.from, `${option}.from`),
    to: checkList(o.to, `${option}.to`, (v, opt) => checkAddress(v, opt, opt === `${option}.to` ? RECIPIENTS_EXPECTED : ADDRESS_EXPECTED), RECIPIENTS_EXPECTED),
    subject: o.subject === undefined ? DEFAULT_ALERT_SUBJECT : checkText(o.subject, `${option}.subject`, 'a non-empty one-line string'),
    timeoutMs: checkDuration(o.timeout, `${option}.timeout`, DEFAULT_EMAIL_TIMEOUT_MS, true),
  };
  if (o.auth !== undefined) channel.auth = checkAuth(o.auth, `${option}.auth`);
  if (o.tls !== undefined) channel.tls = checkTls(o.tls, `${option}.tls`);
  return channel;
}

/** Normalises one entry of `channels`: an object with `type` and that channel's keys. */
export function checkChannelEntry(value: unknown, option: string): AlertChannel {
  const expected = `an object { type: ${ALERT_CHANNEL_TYPES.map((t) => JSON.stringify(t)).join(' | ')}, ... }`;
  if (!isPlainObject(value)) throw new InvalidAlertError(option, expected, value);
  switch (value.type) {
    case 'command': return checkCommandChannel(value, option, ['type']);
    case 'webhook': return checkWebhookChannel(value, option, ['type']);
    case 'email': return checkEmailChannel(value, option, ['type']);
    default: throw new InvalidAlertError(`${option}.type`, `one of ${ALERT_CHANNEL_TYPES.map((t) => JSON.stringify(t)).join(', ')}`, value.type);
  }
}
