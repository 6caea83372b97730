// The display layer's pure renderers: the status rows, the HTML (escaped, self-contained) and text tables, and
// display()'s text path. No kernel needed.
import { describe, expect, it } from 'vitest';
import { display } from '../../src/display/display.js';
import { escapeHtml, statusHtml } from '../../src/display/html.js';
import { JUPYTER_DISPLAY } from '../../src/display/mime.js';
import { formatSize, statusRow, type StatusRow } from '../../src/display/status.js';
import { statusText } from '../../src/display/text.js';
import { OutputView, StatusTable } from '../../src/display/views.js';
import type { TaskRow } from '../../src/task/rows.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');

function row(name: string, over: Partial<TaskRow> = {}): TaskRow {
  return {
    id: 'abcd1234', name, script: 'job.sh', wd: '/tmp', status: 'running', pid: 41023, enabled: true, restarts: 2,
    lastStartedAt: new Date(NOW - 192_000).toISOString(), lastExitCode: null, lastSignal: null, lastKill: null,
    nextRun: null, backoffUntil: null, cpu: 0.5, rss: 43_000_000, supervisor: null, ...over,
  } as TaskRow;
}

const NO_EXTERNAL = /<script|<link|\bsrc=|\bhref=|url\(|@import|https?:/i;

describe('status rows', () => {
  it('are printable strings in the columns of executor ls', () => {
    expect(statusRow(row('web'), NOW)).toEqual({
      name: 'web', status: 'running', pid: '41023', uptime: '3m 12s', restarts: '2', lastExit: '-', nextRun: '-', cpu: '0.5%', mem: '41 MB',
    });
    expect(statusRow(row('old', { status: 'failed', pid: null, lastExitCode: 3, enabled: false, cpu: null, rss: null }), NOW))
      .toMatchObject({ status: 'disabled', pid: '-', uptime: '-', lastExit: '3', cpu: '-', mem: '-' });
  });

  it('sizes bytes with a space and a binary unit', () => {
    expect([0, 512, 2048, 3_400_000, 43_000_000, 5 * 1024 ** 3, null].map(formatSize)).toEqual(['0 B', '512 B', '2.0 KB', '3.2 MB', '41 MB', '5.0 GB', '-']);
  });

  it('fit 120 columns as a text table for typical names', () => {
    const rows = Array.from({ length: 30 }, (_, i) => statusRow(row(`nightly-report-${i}`, { nextRun: new Date(NOW + 3_600_000).toISOString() }), NOW));
    const widest = Math.max(...statusText(rows).split('\n').map((l) => l.length));
    expect(widest).toBeLessThanOrEqual(120);
  });
});

describe('HTML', () => {
  it('escapes every cell: a task or line named <script> shows as text', () => {
    const html = statusHtml([statusRow(row('<script>alert(1)</script>'), NOW)]);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    const out = new OutputView('t', 't · <b>', ['<script>x</script>', 'a & b'])[JUPYTER_DISPLAY]();
    expect(out['text/html']).toContain('&lt;script&gt;x&lt;/script&gt;\na &amp; b');
    expect(out['text/html']).not.toMatch(/<script|<b>/);
    expect(escapeHtml(`"'<>&`)).toBe('&quot;&#39;&lt;&gt;&amp;');
  });

  it('is self-contained (no external CSS, JS, fonts or links) and shows statuses as badges', () => {
    const rows = ['running', 'failed', 'idle'].map((status, i) => statusRow(row(`t${i}`, { status: status as TaskRow['status'] }), NOW));
    const html = StatusTable.fromRows(rows)[JUPYTER_DISPLAY]()['text/html'];
    expect(html).not.toMatch(NO_EXTERNAL);
    expect(html.match(/<tr>/g)).toHaveLength(4);
    for (const status of ['running', 'failed', 'idle']) expect(html).toMatch(new RegExp(`<span style="[^"]*">${status}</span>`));
  });
});

describe('StatusTable and OutputView', () => {
  it('a StatusTable is an array of rows (console.table works) that prints as a text table', async () => {
    const table = StatusTable.fromRows([statusRow(row('web'), NOW)]);
    expect(Array.isArray(table)).toBe(true);
    expect(table).toHaveLength(1);
    expect(table[0]!.name).toBe('web');
    const { inspect } = await import('node:util');
    expect(inspect(table)).toBe(statusText(table as StatusRow[]));
    expect(inspect(table)).toMatch(/^NAME\s+STATUS\s+PID\s+UPTIME\s+RESTARTS\s+LAST EXIT\s+NEXT RUN\s+CPU\s+MEM\nweb\s+running/);
    expect(inspect(StatusTable.fromRows([]))).toBe('(no tasks)');
  });

  it('display() prints the text view where no kernel shows HTML', async () => {
    const printed: string[] = [];
    await display(Promise.resolve(new OutputView('web', 'web · running', ['one', 'two'])), { write: (t) => printed.push(t) });
    await display({ plain: 1 }, { write: (t) => printed.push(t) });
    expect(printed).toEqual(['web · running\none\ntwo', '{\n  "plain": 1\n}']);
  });
});

describe('display() input', () => {
  it('refuses bad options with a typed error, and shows values with no view of their own as text', async () => {
    await expect(display(1, 'loud' as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(display(1, { write: 'stdout' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    const printed: string[] = [];
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    await display(loop, { write: (t) => printed.push(t) });
    await display(10n, { write: (t) => printed.push(t) });
    await display('plain', { write: (t) => printed.push(t) });
    expect(printed).toEqual(['[object Object]', '10', 'plain']);
  });
});
