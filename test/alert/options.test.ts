import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALERT_COMMAND_TIMEOUT_MS, DEFAULT_ALERT_FROM, DEFAULT_ALERT_SUBJECT, DEFAULT_EMAIL_TIMEOUT_MS, DEFAULT_WEBHOOK_RETRIES,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
} from '../../src/alert/channel-options.js';
import { checkAlertOptions, DEFAULT_ALERT_MIN_INTERVAL_MS, mergeAlert } from '../../src/alert/options.js';
import type { AlertConfig } from '../../src/alert/types.js';
import { InvalidAlertError } from '../../src/errors.js';

function config(value: unknown): AlertConfig {
  const result = checkAlertOptions(value);
  if (result === null || result === false) throw new Error(`expected a config, got ${String(result)}`);
  return result;
}

function rejection(value: unknown, option?: string): InvalidAlertError {
  try {
    checkAlertOptions(value, option);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidAlertError);
    expect((error as InvalidAlertError).code).toBe('ERR_INVALID_ALERT');
    return error as InvalidAlertError;
  }
  throw new Error(`expected ${JSON.stringify(value)} to be rejected`);
}

describe('checkAlertOptions: accepted shapes', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_ALERT_MIN_INTERVAL_MS).toBe(5 * 60_000);
    expect(DEFAULT_WEBHOOK_RETRIES).toBe(3);
    expect(DEFAULT_WEBHOOK_TIMEOUT_MS).toBe(10_000);
  });

  it('gives null for undefined and null, and false for false', () => {
    expect(checkAlertOptions(undefined)).toBeNull();
    expect(checkAlertOptions(null)).toBeNull();
    expect(checkAlertOptions(false)).toBe(false);
  });

  it('takes a kind or a list of kinds (no channels, default interval)', () => {
    expect(config('failure')).toEqual({ on: ['failure'], channels: [], minIntervalMs: DEFAULT_ALERT_MIN_INTERVAL_MS, given: { on: true, minInterval: false } });
    expect(config(['failure', 'recovered', 'failure']).on).toEqual(['failure', 'recovered']);
    expect(config(['restart-loop']).on).toEqual(['restart-loop']);
  });

  it('takes an object: on defaults to failure, minInterval as ms or a period string', () => {
    expect(config({})).toEqual({ on: ['failure'], channels: [], minIntervalMs: DEFAULT_ALERT_MIN_INTERVAL_MS, given: { on: false, minInterval: false } });
    expect(config({ on: 'recovered', minInterval: '10 min' })).toMatchObject({ on: ['recovered'], minIntervalMs: 600_000, given: { on: true, minInterval: true } });
    expect(config({ minInterval: 0 }).minIntervalMs).toBe(0);
    expect(config({ minInterval: 1500 }).minIntervalMs).toBe(1500);
  });

  it('normalises a command: a shell line, an argv array, or an object with a timeout', () => {
    expect(config({ command: 'notify "$EXECUTOR_ALERT_TASK"' }).channels).toEqual([
      { type: 'command', command: ['sh', '-c', 'notify "$EXECUTOR_ALERT_TASK"'], timeoutMs: DEFAULT_ALERT_COMMAND_TIMEOUT_MS },
    ]);
    expect(config({ command: ['/usr/bin/notify', '--urgent'] }).channels[0]).toMatchObject({ command: ['/usr/bin/notify', '--urgent'] });
    expect(config({ command: { command: 'x', timeout: '5 sec' } }).channels[0]).toEqual({ type: 'command', command: ['sh', '-c', 'x'], timeoutMs: 5000 });
  });

  it('normalises a webhook: a URL or an object', () => {
    expect(config({ webhook: 'https://hooks.example.com/a' }).channels).toEqual([
      { type: 'webhook', url: 'https://hooks.example.com/a', headers: {}, retries: DEFAULT_WEBHOOK_RETRIES, timeoutMs: DEFAULT_WEBHOOK_TIMEOUT_MS },
    ]);
    expect(config({ webhook: { url: 'http://127.0.0.1:8080/x', headers: { Authorization: 'Bearer t' }, retries: 0, timeout: 2500 } }).channels[0]).toEqual({
      type: 'webhook', url: 'http://127.0.0.1:8080/x', headers: { Authorization: 'Bearer t' }, retries: 0, timeoutMs: 2500,
    });
  });

  it('normalises an email channel with its defaults', () => {
    expect(config({ email: { host: 'smtp.example.com', to: 'ops@example.com' } }).channels).toEqual([{
      type: 'email', host: 'smtp.example.com', port: 587, secure: false, from: DEFAULT_ALERT_FROM, to: ['ops@example.com'],
      subject: DEFAULT_ALERT_SUBJECT, timeoutMs: DEFAULT_EMAIL_TIMEOUT_MS,
    }]);
    expect(config({ email: { host: 'h', port: 465, to: ['a@x', 'b@x'] } }).channels[0]).toMatchObject({ port: 465, secure: true, to: ['a@x', 'b@x'] });
    expect(config({ email: { host: 'h', secure: true, to: 'a@x' } }).channels[0]).toMatchObject({ port: 465, secure: true });
    const full = config({ email: { host: 'h', port: 2525, secure: false, auth: { user: 'u', pass: 'p' }, tls: { rejectUnauthorized: false }, from: 'me@x', to: 'a@x', subject: '{name} broke', timeout: '1 min' } });
    expect(full.channels[0]).toEqual({
      type: 'email', host: 'h', port: 2525, secure: false, auth: { user: 'u', pass: 'p' }, tls: { rejectUnauthorized: false }, from: 'me@x', to: ['a@x'],
      subject: '{name} broke', timeoutMs: 60_000,
    });
  });

  it('keeps channels in order: command, webhook, email, then channels[]', () => {
    const c = config({
      on: ['failure', 'restart-loop'],
      channels: [{ type: 'webhook', url: 'https://b.example.com' }, { type: 'command', command: ['true'] }, { type: 'email', host: 'h', to: 'a@x' }],
      webhook: 'https://a.example.com',
    });
    expect(c.channels.map((ch) => ch.type)).toEqual(['webhook', 'webhook', 'command', 'email']);
    expect(c.channels[0]).toMatchObject({ url: 'https://a.example.com/' });
    expect(c.channels[1]).toMatchObject({ url: 'https://b.example.com/' });
  });

  it('gives a JSON-serialisable config (it is stored in the task record)', () => {
    const c = config({ email: { host: 'h', to: 'a@x', auth: { user: 'u', pass: 'p' } }, webhook: 'https://x.example.com', command: 'true' });
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });
});

describe('checkAlertOptions: bad input', () => {
  const cases: Array<[string, unknown, string]> = [
    ['a webhook without url', { webhook: {} }, 'Expected `alert.webhook.url` to be an http(s) URL like \'https://hooks.example.com/alert\', got undefined.'],
    ['a non-http webhook url', { webhook: { url: 'ftp://example.com/x' } }, 'Expected `alert.webhook.url` to be an http(s) URL like \'https://hooks.example.com/alert\', got "ftp://example.com/x".'],
    ['a webhook url with credentials', { webhook: 'https://u:p@hooks.example.com/x' }, 'Expected `alert.webhook` to be an http(s) URL like \'https://hooks.example.com/alert\' without user:password (put credentials in `headers`), got "https://u:p@hooks.example.com/x".'],
    ['a webhook string that is no URL', { webhook: 'hooks.example.com' }, 'Expected `alert.webhook` to be an http(s) URL like \'https://hooks.example.com/alert\', got "hooks.example.com".'],
    ['an email without host', { email: { to: 'a@x' } }, 'Expected `alert.email.host` to be an SMTP host name or address, got undefined.'],
    ['an email with an empty host', { email: { host: ' ', to: 'a@x' } }, 'Expected `alert.email.host` to be an SMTP host name or address, got " ".'],
    ['an email without to', { email: { host: 'h' } }, 'Expected `alert.email.to` to be an email address like \'ops@example.com\', or a non-empty array of them, got undefined.'],
    ['an email with an empty to list', { email: { host: 'h', to: [] } }, 'Expected `alert.email.to` to be an email address like \'ops@example.com\', or a non-empty array of them, got [].'],
    ['a bad recipient', { email: { host: 'h', to: ['a@x', 'nobody'] } }, 'Expected `alert.email.to[1]` to be an email address like \'ops@example.com\', got "nobody".'],
    ['a port out of range', { email: { host: 'h', to: 'a@x', port: 70000 } }, 'Expected `alert.email.port` to be an integer from 1 to 65535, got 70000.'],
    ['a port that is a string', { email: { host: 'h', to: 'a@x', port: '25' } }, 'Expected `alert.email.port` to be an integer from 1 to 65535, got "25".'],
    ['auth without pass', { email: { host: 'h', to: 'a@x', auth: { user: 'u' } } }, 'Expected `alert.email.auth.pass` to be a string, got undefined.'],
    ['an unknown tls key', { email: { host: 'h', to: 'a@x', tls: { ca: 'x' } } }, 'Expected `alert.email.tls.ca` to be absent (`alert.email.tls` takes only rejectUnauthorized), got "x".'],
    ['an unknown top-level key', { on: 'failure', webhok: 'https://x' }, 'Expected `alert.webhok` to be absent (`alert` takes only on, command, webhook, email, channels, minInterval), got "https://x".'],
    ['an unknown kind', 'crash', 'Expected `alert` to be one of "failure", "restart-loop", "recovered", "host-down", got "crash".'],
    ['an unknown kind in a list', ['failure', 'crash'], 'Expected `alert[1]` to be one of "failure", "restart-loop", "recovered", "host-down", got "crash".'],
    ['an unknown kind in on', { on: ['recovered', 'oops'] }, 'Expected `alert.on[1]` to be one of "failure", "restart-loop", "recovered", "host-down", got "oops".'],
    ['an empty on', { on: [] }, 'Expected `alert.on` to be one of "failure", "restart-loop", "recovered", "host-down" or a non-empty array of them, got [].'],
    ['true', true, 'Expected `alert` to be one of "failure", "restart-loop", "recovered", "host-down", an array of them, false, or an object { on?, command?, webhook?, email?, channels?, minInterval? }, got true.'],
    ['a negative minInterval', { minInterval: -1 }, 'Expected `alert.minInterval` to be a number of milliseconds >= 0 or a period string like \'10 sec\' or \'5 min\', got -1.'],
    ['a bad minInterval string', { minInterval: '5 minz' }, 'Expected `alert.minInterval` to be a number of milliseconds >= 0 or a period string like \'10 sec\' or \'5 min\', got "5 minz".'],
    ['a zero webhook timeout', { webhook: { url: 'https://x', timeout: 0 } }, 'Expected `alert.webhook.timeout` to be a number of milliseconds >= 0 or a period string like \'10 sec\' or \'5 min\', > 0 and at most 2147483647 ms, got 0.'],
    ['too many retries', { webhook: { url: 'https://x', retries: 11 } }, 'Expected `alert.webhook.retries` to be an integer from 0 to 10, got 11.'],
    ['a header with a line break', { webhook: { url: 'https://x', headers: { 'X-A': 'a\r\nX-B: b' } } }, 'Expected `alert.webhook.headers.X-A` to be a non-empty string without line breaks, got "a\\r\\nX-B: b".'],
    ['an empty command', { command: '' }, 'Expected `alert.command` to be a shell command line (run by sh -c), a non-empty array of strings (argv), or { command, timeout? }, got "".'],
    ['an empty argv', { command: [] }, 'Expected `alert.command` to be a shell command line (run by sh -c), a non-empty array of strings (argv), or { command, timeout? }, got [].'],
    ['channels that is not an array', { channels: { type: 'webhook' } }, 'Expected `alert.channels` to be an array of channel objects { type, ... }, got { type: \'webhook\' }.'],
    ['a channel of unknown type', { channels: [{ type: 'sms', to: '+1' }] }, 'Expected `alert.channels[0].type` to be one of "command", "webhook", "email", got "sms".'],
    ['a channel webhook without url', { channels: [{ type: 'webhook' }] }, 'Expected `alert.channels[0].url` to be an http(s) URL like \'https://hooks.example.com/alert\', got undefined.'],
    ['a channel email without host', { channels: [{ type: 'email', to: 'a@x' }] }, 'Expected `alert.channels[0].host` to be an SMTP host name or address, got undefined.'],
    ['a channel with another type\'s key', { channels: [{ type: 'command', command: 'x', url: 'https://x' }] }, 'Expected `alert.channels[0].url` to be absent (`alert.channels[0]` takes only type, command, timeout), got "https://x".'],
  ];

  it.each(cases)('rejects %s', (_what, value, message) => {
    expect(rejection(value).message).toBe(message);
  });

  it('names the option it was given', () => {
    const error = rejection({ webhook: {} }, 'tasks.job.alert');
    expect(error.option).toBe('tasks.job.alert.webhook.url');
    expect(error.message).toMatch(/^Expected `tasks\.job\.alert\.webhook\.url` to be/);
  });

  it('rejects non-plain objects', () => {
    expect(rejection(new Date(0)).option).toBe('alert');
    expect(rejection({ email: new Map() }).option).toBe('alert.email');
  });
});

describe('mergeAlert', () => {
  const executor = config({ on: ['failure', 'recovered'], webhook: 'https://ex.example.com', minInterval: '1 min' });

  it('uses the executor setting when the task has none, and nothing when neither has one', () => {
    expect(mergeAlert(executor, null)).toBe(executor);
    expect(mergeAlert(null, null)).toBeNull();
    expect(mergeAlert(false, null)).toBeNull();
  });

  it('turns alerts off for a task set to false', () => {
    expect(mergeAlert(executor, false)).toBeNull();
  });

  it('uses the task setting alone when the executor has none', () => {
    const task = config({ command: 'true' });
    expect(mergeAlert(null, task)).toBe(task);
  });

  it('lets a task list of kinds override `on` and keep the executor channels and interval', () => {
    expect(mergeAlert(executor, config(['restart-loop']))).toEqual({ on: ['restart-loop'], channels: executor.channels, minIntervalMs: 60_000 });
  });

  it('keeps the executor `on` and interval when the task gives only channels', () => {
    const task = config({ command: 'true' });
    expect(mergeAlert(executor, task)).toEqual({ on: ['failure', 'recovered'], channels: task.channels, minIntervalMs: 60_000 });
  });

  it('takes the task interval when given', () => {
    expect(mergeAlert(executor, config({ minInterval: 0 }))).toEqual({ on: ['failure', 'recovered'], channels: executor.channels, minIntervalMs: 0 });
  });

  it('treats a config without `given` as fully explicit', () => {
    const task: AlertConfig = { on: ['failure'], channels: [], minIntervalMs: 5 };
    expect(mergeAlert(executor, task)).toEqual({ on: ['failure'], channels: executor.channels, minIntervalMs: 5 });
  });
});
