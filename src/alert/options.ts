// The `alert` option of the Executor and of a task: validation into an AlertConfig, and how the two merge.
import { InvalidAlertError } from '../errors.js';
import { checkChannelEntry, checkCommandChannel, checkEmailChannel, checkWebhookChannel } from './channel-options.js';
import { checkDuration, checkObject } from './check.js';
import { ALERT_KINDS, type AlertChannel, type AlertConfig, type AlertKind } from './types.js';

/** Kinds alerted on when `on` is not given. */
export const DEFAULT_ALERT_ON: readonly AlertKind[] = ['failure'];
/** Default rate limit: at most one alert per task per 5 minutes. */
export const DEFAULT_ALERT_MIN_INTERVAL_MS = 300_000;

const ALERT_KEYS = ['on', 'command', 'webhook', 'email', 'channels', 'minInterval'];
const KINDS_TEXT = ALERT_KINDS.map((k) => JSON.stringify(k)).join(', ');
const ALERT_EXPECTED = `one of ${KINDS_TEXT}, an array of them, false, or an object { on?, command?, webhook?, email?, channels?, minInterval? }`;

function checkKind(value: unknown, option: string): AlertKind {
  if (!ALERT_KINDS.includes(value as AlertKind)) throw new InvalidAlertError(option, `one of ${KINDS_TEXT}`, value);
  return value as AlertKind;
}

// A kind or a non-empty array of kinds, without duplicates, in the order given.
function checkKinds(value: unknown, option: string, expected: string): AlertKind[] {
  if (!Array.isArray(value)) return [checkKind(value, option)];
  if (value.length === 0) throw new InvalidAlertError(option, expected, value);
  return [...new Set(value.map((v, i) => checkKind(v, `${option}[${i}]`)))];
}

function checkChannels(o: Record<string, unknown>, option: string): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (o.command !== undefined) channels.push(checkCommandChannel(o.command, `${option}.command`));
  if (o.webhook !== undefined) channels.push(checkWebhookChannel(o.webhook, `${option}.webhook`));
  if (o.email !== undefined) channels.push(checkEmailChannel(o.email, `${option}.email`));
  if (o.channels !== undefined) {
    if (!Array.isArray(o.channels)) throw new InvalidAlertError(`${option}.channels`, 'an array of channel objects { type, ... }', o.channels);
    o.channels.forEach((entry, i) => channels.push(checkChannelEntry(entry, `${option}.channels[${i}]`)));
  }
  return channels;
}

/**
 * Validates and normalises an `alert` option.
 *
 * Accepts a kind (`'failure'`, `'restart-loop'`, `'recovered'`), an array of kinds (channels then come from the
 * Executor), `false` (off), or an object `{ on?, command?, webhook?, email?, channels?, minInterval? }`.
 *
 * @param value - The user's value.
 * @param option - Name used in error messages. @default 'alert'
 * @returns The normalised config, `false` for `false`, or `null` when `value` is `undefined` or `null`.
 * @throws InvalidAlertError (`ERR_INVALID_ALERT`) for unknown keys or kinds, a webhook without an http(s) `url`,
 *   an email channel without `host` or `to`, a bad port, a bad duration…
 * @example
 * ```ts
 * checkAlertOptions({ on: ['failure', 'recovered'], webhook: 'https://hooks.example.com/x' });
 * // { on: ['failure', 'recovered'], channels: [{ type: 'webhook', url: 'https://hooks.example.com/x', headers: {}, retries: 3, timeoutMs: 10000 }], minIntervalMs: 300000, given: {...} }
 * ```
 */
export function checkAlertOptions(value: unknown, option = 'alert'): AlertConfig | false | null {
  if (value === undefined || value === null) return null;
  if (value === false) return false;
  if (typeof value === 'string' || Array.isArray(value)) {
    const on = checkKinds(value, option, ALERT_EXPECTED);
    return { on, channels: [], minIntervalMs: DEFAULT_ALERT_MIN_INTERVAL_MS, given: { on: true, minInterval: false } };
  }
  const o = checkObject(value, option, ALERT_KEYS, ALERT_EXPECTED);
  const on = o.on === undefined ? [...DEFAULT_ALERT_ON] : checkKinds(o.on, `${option}.on`, `one of ${KINDS_TEXT} or a non-empty array of them`);
  return {
    on,
    channels: checkChannels(o, option),
    minIntervalMs: checkDuration(o.minInterval, `${option}.minInterval`, DEFAULT_ALERT_MIN_INTERVAL_MS),
    given: { on: o.on !== undefined, minInterval: o.minInterval !== undefined },
  };
}

/**
 * The alert settings in force for a task: the task's own merged over the Executor's.
 *
 * A task `false` turns alerts off; a task's `on` (when given) overrides; the task's channels are used if it has
 * any, else the Executor's; `minInterval` is the task's when given, else the Executor's.
 *
 * @returns The merged config, or `null` when alerts are off for the task.
 * @example
 * ```ts
 * mergeAlert(checkAlertOptions({ webhook: url }), checkAlertOptions(['failure', 'recovered']));
 * // on: ['failure', 'recovered'], channels: the Executor's webhook
 * ```
 */
export function mergeAlert(executor: AlertConfig | false | null, task: AlertConfig | false | null): AlertConfig | null {
  if (task === false) return null;
  const base = executor === false ? null : executor;
  if (task === null) return base;
  if (base === null) return task;
  const given = task.given ?? { on: true, minInterval: true };
  return {
    on: given.on ? [...task.on] : [...base.on],
    channels: task.channels.length > 0 ? task.channels : base.channels,
    minIntervalMs: given.minInterval ? task.minIntervalMs : base.minIntervalMs,
  };
}
