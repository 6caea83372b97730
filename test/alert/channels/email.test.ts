import { describe, expect, it } from 'vitest';
import { DEFAULT_ALERT_SUBJECT } from '../../../src/alert/channel-options.js';
import { alertSubject, DEFAULT_ALERT_TAIL_LINES, formatAlertText, sendEmail } from '../../../src/alert/channels/email.js';
import type { EmailAlertChannel } from '../../../src/alert/types.js';
import { mailBody, mailHeader, sampleRun, samplePayload, useTestServers } from '../../fixtures/alert/servers.js';
import { T } from '../../helpers/time.js';

const servers = useTestServers();
const TAIL = Array.from({ length: DEFAULT_ALERT_TAIL_LINES }, (_, i) => `output line ${String(i + 1).padStart(3, '0')}`);

function channel(port: number, overrides: Partial<EmailAlertChannel> = {}): EmailAlertChannel {
  return {
    type: 'email', host: '127.0.0.1', port, secure: false, from: 'executor@test.local', to: ['ops@test.local', 'dev@test.local'],
    subject: DEFAULT_ALERT_SUBJECT, timeoutMs: T(5_000), ...overrides,
  };
}

describe('sendEmail', () => {
  it('delivers to every recipient a summary and the output tail', async () => {
    const smtp = await servers.smtp();
    expect(await sendEmail(channel(smtp.port), samplePayload({ suppressed: 4 }), TAIL)).toEqual({ attempts: 1, error: null });
    expect(smtp.messages).toHaveLength(1);
    const [mail] = smtp.messages;
    expect(mail!.from).toBe('executor@test.local');
    expect(mail!.to).toEqual(['ops@test.local', 'dev@test.local']);
    expect(mailHeader(mail!.raw, 'subject')).toBe('[executor-sdk] failure: job');
    const body = mailBody(mail!.raw);
    expect(body).toContain('Task:     job\n');
    expect(body).toContain('Reason:   job exited with code 1\n');
    expect(body).toContain('Run:      run-1\n');
    expect(body).toContain('Exit:     code 1\n');
    expect(body).toContain('Suppressed since the previous alert: 4\n');
    expect(body).toContain(`Last 50 lines of output:\n\n${TAIL.join('\n')}\n`);
  });

  it('logs in with auth and fills the subject template', async () => {
    const smtp = await servers.smtp({ auth: { user: 'alerts', pass: 's3cret' } });
    const ch = channel(smtp.port, { auth: { user: 'alerts', pass: 's3cret' }, subject: '{name} on {executorId}: {kind}' });
    expect(await sendEmail(ch, samplePayload({ kind: 'recovered' }), [])).toEqual({ attempts: 1, error: null });
    expect(smtp.messages[0]!.user).toBe('alerts');
    expect(mailHeader(smtp.messages[0]!.raw, 'subject')).toBe('job on ex-1: recovered');
    expect(mailBody(smtp.messages[0]!.raw)).toContain('No output.');
  });

  it('fails on a wrong password, naming the server', async () => {
    const smtp = await servers.smtp({ auth: { user: 'alerts', pass: 's3cret' } });
    const outcome = await sendEmail(channel(smtp.port, { auth: { user: 'alerts', pass: 'wrong' } }), samplePayload(), []);
    expect(outcome.error).toMatch(new RegExp(`^SMTP 127\\.0\\.0\\.1:${smtp.port}: .*Invalid`));
    expect(smtp.messages).toHaveLength(0);
  });

  it('speaks implicit TLS: accepts a self-signed certificate only with rejectUnauthorized false', async () => {
    const smtp = await servers.smtp({ secure: true });
    const refused = await sendEmail(channel(smtp.port, { secure: true }), samplePayload(), TAIL);
    expect(refused.error).toMatch(/self[- ]signed|certificate/i);
    const ok = await sendEmail(channel(smtp.port, { secure: true, tls: { rejectUnauthorized: false } }), samplePayload(), TAIL);
    expect(ok).toEqual({ attempts: 1, error: null });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.secure).toBe(true);
  });

  it('fails when nothing listens', async () => {
    const port = await servers.closedPort();
    const outcome = await sendEmail(channel(port), samplePayload(), TAIL);
    expect(outcome.error).toMatch(new RegExp(`^SMTP 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });
});

describe('formatAlertText and alertSubject', () => {
  it('summarises a run killed by a signal after a timeout, and says why output is missing', () => {
    const text = formatAlertText(samplePayload({ run: sampleRun({ exitCode: null, signal: 'SIGTERM', timedOut: true }) }), 'EACCES');
    expect(text).toContain('Exit:     signal SIGTERM (timed out)\n');
    expect(text).toContain('Output unavailable: EACCES\n');
    expect(text).not.toContain('Suppressed');
  });

  it('leaves out run details when there is no run', () => {
    const text = formatAlertText(samplePayload({ kind: 'restart-loop', run: null, runId: null }), ['a']);
    expect(text).toContain('Run:      -\n');
    expect(text).not.toContain('Exit:');
    expect(text).toContain('Last 1 lines of output:\n\na\n');
  });

  it('fills every placeholder', () => {
    expect(alertSubject('{kind}/{name}/{executorId}/{other}', samplePayload())).toBe('failure/job/ex-1/{other}');
  });
});
