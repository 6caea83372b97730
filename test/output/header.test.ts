import { describe, expect, it } from 'vitest';
import { FOOTER_BEGIN, formatCommand, formatFooter, formatHeader, HEADER_BEGIN, headerRunId, HEADER_END, HEADER_LINE_PREFIX, HEADER_PID_TOKEN, runBlockFilter, stripRunBlocks, type HeaderInfo } from '../../src/output/header.js';

const INFO: HeaderInfo = {
  task: 'job', runId: '20261124-100000-123-abcdef', trigger: 'schedule', triggerTime: '2026-11-24T10:00:00.010Z',
  scheduledFor: Date.UTC(2026, 10, 24, 10), host: 'box', user: 'me', interpreter: 'node',
  command: ['/usr/bin/node', '/srv/job.js', '--name', 'a b', 'x\ny'], script: 'job.js', startedAt: '2026-11-24T10:00:00.123Z',
};

describe('formatHeader', () => {
  it('renders short "# key: value" lines with the pid token', () => {
    expect(formatHeader(INFO)).toBe([
      HEADER_BEGIN,
      '# task: job',
      '# run: 20261124-100000-123-abcdef',
      `# pid: ${HEADER_PID_TOKEN}`,
      '# trigger: schedule at 2026-11-24T10:00:00.010Z, scheduled for 2026-11-24T10:00:00.000Z',
      '# started: 2026-11-24T10:00:00.123Z',
      '# host: box  user: me',
      '# interpreter: node',
      '# script: job.js',
      '# command: /usr/bin/node /srv/job.js --name "a b" "x\\ny"',
      HEADER_END,
      '',
    ].join('\n'));
  });

  it('leaves out null fields', () => {
    const text = formatHeader({ ...INFO, trigger: 'manual', triggerTime: null, scheduledFor: null, interpreter: null, startedAt: 0 });
    expect(text).toContain('# trigger: manual\n');
    expect(text).toContain('# started: 1970-01-01T00:00:00.000Z\n');
    expect(text).not.toContain('interpreter');
  });

  it('keeps every line one line, prefixed, with the pid token first', () => {
    const text = formatHeader({ ...INFO, host: 'a\nb', user: 'u\r\u001b[31m', script: `s${HEADER_PID_TOKEN}` });
    const lines = text.split('\n').slice(0, -1);
    expect(lines.every((l) => l.startsWith(HEADER_LINE_PREFIX))).toBe(true);
    expect(text).toContain('# host: a\\nb  user: u\\r\\u001b[31m\n');
    expect(text.indexOf(HEADER_PID_TOKEN)).toBe(text.indexOf('# pid: ') + '# pid: '.length);
  });
});

describe('formatCommand', () => {
  it('quotes only words that need it', () => {
    expect(formatCommand(['node', '/a/b.js', '--x=1', '', "it's", 'tab\there'])).toBe('node /a/b.js --x=1 "" "it\'s" "tab\\there"');
  });
});

describe('formatFooter', () => {
  const base = { exitCode: 0, signal: null, timedOut: false, exitUnknown: false, durationMs: 1234, endedAt: '2026-11-24T10:00:01.357Z' };
  it('shows the exit code, end time and duration', () => {
    expect(formatFooter(base)).toBe(`${FOOTER_BEGIN}\n# exit: code 0\n# ended: 2026-11-24T10:00:01.357Z after 1.234 s\n`);
  });
  it('shows a signal, a timeout, an unknown end', () => {
    expect(formatFooter({ ...base, exitCode: null, signal: 'SIGTERM', timedOut: true, endedAt: 0 }))
      .toBe(`${FOOTER_BEGIN}\n# exit: signal SIGTERM (timed out)\n# ended: 1970-01-01T00:00:00.000Z after 1.234 s\n`);
    expect(formatFooter({ ...base, exitCode: null, exitUnknown: true, durationMs: -5 })).toMatch(/\n# exit: unknown\n# ended: .* after 0\.000 s\n$/);
    expect(formatFooter({ ...base, exitCode: null })).toMatch(/\n# exit: unknown\n/);
  });
});

describe('stripRunBlocks / runBlockFilter', () => {
  const header = formatHeader(INFO).split('\n').slice(0, -1);
  const footer = formatFooter({ exitCode: 0, signal: null, timedOut: false, exitUnknown: false, durationMs: 1, endedAt: 0 }).split('\n').slice(0, -1);
  it('drops a leading header (only from the file start) and a trailing footer', () => {
    expect(stripRunBlocks([...header, 'a', 'b', ...footer], true)).toEqual(['a', 'b']);
    expect(stripRunBlocks([...header, 'a'], false)).toEqual([...header, 'a']);
    expect(stripRunBlocks(['# exit: code 0', 'x'], true)).toEqual(['# exit: code 0', 'x']);
  });
  it('filters header and footer lines out of a followed stream, across runs', () => {
    const keep = runBlockFilter();
    expect([...header, 'a', ...footer, ...header, '# user line', ...footer].filter(keep)).toEqual(['a', '# user line']);
  });
});

describe('headerRunId', () => {
  it("reads the run id of the header a file starts with; null without one", () => {
    const header = formatHeader({ task: 'job', runId: 'r-42', trigger: 'manual', triggerTime: null, scheduledFor: null, host: 'box', user: 'me', interpreter: null, command: ['sh', 'x.sh'], script: 'x.sh', startedAt: 0 });
    expect(headerRunId(`${header}output line\n`)).toBe('r-42');
    expect(headerRunId('plain output\n# run: r-1\n')).toBeNull();
    expect(headerRunId('')).toBeNull();
  });
});
