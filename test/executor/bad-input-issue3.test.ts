// Bad input of issue 3's options (cron, timezone, durations, policies, triggers, alert channels, maxOutputBytes):
// a typed ExecutorError with its code and an "Expected … got …" message, and nothing in the folder changes.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictingOptionsError, Executor, ExecutorError, InvalidAlertError, InvalidCronError, InvalidDurationError, InvalidOptionError,
  InvalidPolicyError, InvalidTimezoneError, InvalidTriggerError, type AddTaskOptions,
} from '../../src/index.js';
import { expectRejected as expectRejectedIn, FIXTURES, useExecutors, type ErrorClass } from '../helpers/executor.js';

const kit = useExecutors();
let ex: Executor;
let dir: string;

beforeEach(async () => {
  ({ ex, dir } = kit.make());
  await ex.addTask('once', 'once.js', { wd: FIXTURES, infiniteLoop: false });
});

/** The shared check, plus: the message starts with "Expected". */
async function expectRejected(call: () => unknown, cls: ErrorClass, code: string, message: RegExp, folder = ex.folder): Promise<ExecutorError> {
  const error = await expectRejectedIn(call, cls, code, message, folder);
  expect(error.message).toMatch(/^Expected .* got /);
  return error;
}

/** addTask('t', 'once.js', options) with a one-shot task's defaults. */
function add(options: AddTaskOptions): () => Promise<unknown> {
  return () => ex.addTask('t', 'once.js', { wd: FIXTURES, infiniteLoop: false, ...options });
}

describe('schedule', () => {
  it.each(['61 * * * *', '* * *', 'every day', '', '* * * * * * *', '0 0 32 * *', 42])('a bad cron %j', async (cron) => {
    await expectRejected(add({ cron: cron as string }), InvalidCronError, 'ERR_INVALID_CRON', /Expected `cron` to be a cron expression/);
  });

  it.each([
    ['with cron', { cron: '0 3 * * *' }],
    ['with period', { period: '1 day' }],
  ])('a bad timezone %s', async (_what, schedule) => {
    const error = await expectRejected(add({ ...schedule, timezone: 'Mars/Olympus_Mons' }), InvalidTimezoneError, 'ERR_INVALID_TIMEZONE', /Expected `timezone` to be an IANA time zone/);
    expect(error.message).toContain('"Mars/Olympus_Mons"');
  });

  it('both period and cron', async () => {
    const error = await expectRejected(add({ period: '1 hour', cron: '0 * * * *' }), ConflictingOptionsError, 'ERR_CONFLICTING_OPTIONS', /Expected `period` and `cron` to be not both given/);
    expect(error).toBeInstanceOf(InvalidOptionError);
  });
});

describe('durations and policies', () => {
  it.each([-1, -0.5, Number.NaN, Number.POSITIVE_INFINITY, 'soon', '2 minz', '-5 sec', '1 month', '', {}])('a bad timeout %j', async (timeout) => {
    await expectRejected(add({ timeout: timeout as number }), InvalidDurationError, 'ERR_INVALID_DURATION', /Expected `timeout` to be /);
  });

  it.each([-1, Number.NaN, 'a bit', '10 secz', '-1 min', true])('a bad jitter %j', async (jitter) => {
    await expectRejected(add({ period: '1 hour', jitter: jitter as number }), InvalidDurationError, 'ERR_INVALID_DURATION', /Expected `jitter` to be /);
  });

  it.each([
    ['catchUp', { period: '1 hour', catchUp: 'some' }, /Expected `catchUp` to be one of "none", "one", "all", got "some"/],
    ['overlap', { period: '1 hour', overlap: 'kill' }, /Expected `overlap` to be one of "skip", "queue", "replace", "allow", got "kill"/],
    ['stderr', { stderr: 'both' }, /Expected `stderr` to be one of "merge", "separate", got "both"/],
    ['catchUp (wrong case)', { period: '1 hour', catchUp: 'ALL' }, /`catchUp`/],
  ])('an unknown %s value', async (_what, options, message) => {
    const error = await expectRejected(add(options as AddTaskOptions), InvalidPolicyError, 'ERR_INVALID_POLICY', message);
    expect(error).toBeInstanceOf(InvalidOptionError);
  });

  it.each([4095, 0, -1, '1 KiB', '4095 b', '2kb', 'lots', 1.5])('a maxOutputBytes under 4 KiB or not a size: %j', async (maxOutputBytes) => {
    const error = await expectRejected(add({ maxOutputBytes: maxOutputBytes as number }), InvalidOptionError, 'ERR_INVALID_OPTION', /Expected `maxOutputBytes` to be a byte size of at least 4096 bytes/);
    expect((error as InvalidOptionError).option).toBe('maxOutputBytes');
  });

  it('accepts a maxOutputBytes of exactly 4 KiB', async () => {
    await ex.addTask('t', 'once.js', { wd: FIXTURES, infiniteLoop: false, maxOutputBytes: '4 KiB' });
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['once', 't']);
  });
});

describe('trigger dates', () => {
  const bad: unknown[] = ['not a date', '2019-13-45/08:00:00', '2019-01-01/25:00:00', '', new Date(Number.NaN), Number.NaN, {}, true];

  it.each(bad)('runTask rejects trigger %j and starts nothing', async (trigger) => {
    const error = await expectRejected(() => ex.runTask('once', { trigger: trigger as string }), InvalidTriggerError, 'ERR_INVALID_TRIGGER', /Expected `trigger` to be an ISO date/);
    expect((error as InvalidTriggerError).option).toBe('trigger');
  });

  it.each(bad.filter((t) => typeof t !== 'string'))('runTasks rejects an object line with trigger %j before running any line', async (trigger) => {
    const lines = [{ name: 'once', trigger: '2019-01-01T08:00:00' }, { name: 'once', trigger: trigger as string }];
    const error = await expectRejected(() => ex.runTasks(lines), InvalidTriggerError, 'ERR_INVALID_TRIGGER', /Expected `lines\[1\]\.trigger` to be an ISO date/);
    expect((error as InvalidTriggerError).option).toBe('lines[1].trigger');
  });

  it.each(['not-a-date', '2019-13-45/08:00:00', '2019-01-01/25:00:00'])('runTasks rejects the text line "once %s" before running any line', async (trigger) => {
    await expectRejected(() => ex.runTasks(`once 2019-01-01/08:00:00\nonce ${trigger}`), InvalidTriggerError, 'ERR_INVALID_TRIGGER', /Expected `lines\[1\]\.trigger` to be /);
  });
});

describe('alert channels', () => {
  const badAlerts: Array<[string, unknown, string]> = [
    ['an email without host', { email: { to: 'ops@example.com' } }, 'alert.email.host'],
    ['an email with an empty host', { email: { host: ' ', to: 'ops@example.com' } }, 'alert.email.host'],
    ['a webhook object without url', { webhook: { retries: 1 } }, 'alert.webhook.url'],
    ['an empty webhook URL', { webhook: '' }, 'alert.webhook'],
    ['a webhook URL that is not one', { webhook: 'hooks.example.com/x' }, 'alert.webhook'],
    ['a channels[] email without host', { channels: [{ type: 'email', to: 'ops@example.com' }] }, 'alert.channels[0].host'],
    ['a channels[] webhook without url', { channels: [{ type: 'webhook' }] }, 'alert.channels[0].url'],
  ];

  it.each(badAlerts)('a task alert with %s', async (_what, alert, option) => {
    const error = await expectRejected(add({ alert: alert as AddTaskOptions['alert'] }), InvalidAlertError, 'ERR_INVALID_ALERT', new RegExp(`^Expected \`${option.replace(/[[\].]/g, '\\$&')}\` to be `));
    expect((error as InvalidAlertError).option).toBe(option);
    expect(error).toBeInstanceOf(InvalidOptionError);
  });

  it.each(badAlerts)('the Executor constructor throws for %s, and creates no folder', async (_what, alert, option) => {
    const folder = path.join(dir, 'fresh');
    const error = await expectRejected(() => new Executor(folder, { alert: alert as never }), InvalidAlertError, 'ERR_INVALID_ALERT', /^Expected `alert\./, dir);
    expect((error as InvalidAlertError).option).toBe(option);
    expect(existsSync(folder)).toBe(false);
  });

  it('replace: true with a bad alert keeps the stored task as it was', async () => {
    await expectRejected(() => ex.addTask('once', 'once.js', { wd: FIXTURES, infiniteLoop: false, replace: true, alert: { webhook: {} } as never }), InvalidAlertError, 'ERR_INVALID_ALERT', /`alert\.webhook\.url`/);
  });
});
