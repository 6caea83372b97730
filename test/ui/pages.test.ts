// The dashboard's pure page renderers, fed with real rows and runs of a real folder: every contract hook is there,
// every name, output line, log line and message is escaped, read-only pages render no control, and no page carries
// inline script, style or on* attributes (the CSP forbids them).
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Executor } from '../../src/index.js';
import type { RunRecord, StepStatus } from '../../src/store/records.js';
import type { TaskRow } from '../../src/task/rows.js';
import {
  historyChartHtml, renderErrorPage, renderLogPage, renderOutputPage, renderRunPage, renderTablePage, renderTaskPage,
  renderUpcomingPage, rowSignature, taskRowHtml, type PageContext, type TaskDetail,
} from '../../src/ui/pages/index.js';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

const EVIL = '<img src=x onerror=alert(1)>';
const ESCAPED = '&lt;img src=x onerror=alert(1)&gt;';
const kit = useExecutors();
const ctx = (over: Partial<PageContext> = {}): PageContext => ({ readOnly: false, now: Date.now(), supervisor: null, ...over });

/** Nothing the CSP would block, and no raw evil markup. */
function expectSafe(html: string): void {
  expect(html.startsWith('<!doctype html>')).toBe(true);
  expect(html).not.toContain('<img');
  expect(html).not.toMatch(/<style/i);
  for (const tag of html.match(/<[a-z][^>]*>/gi) ?? []) {
    const names = tag.replace(/"[^"]*"/g, '""'); // attribute names only: escaped text inside values does not count
    expect(names).not.toMatch(/\sstyle\s*=/i);
    expect(names).not.toMatch(/\son[a-z]+\s*=/i);
  }
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) expect(tag).toBe('<script type="module" src="/assets/app.js">');
  expect(html).toContain('<link rel="stylesheet" href="/assets/app.css">');
  for (const href of ['/', '/upcoming', '/log']) expect(html).toContain(`href="${href}"`);
}

const NO_CONTROLS = [/data-action=/, /data-input=/, /<button/, /<textarea/, /data-result/];

interface Folder { rows: TaskRow[]; ok: RunRecord; bad: RunRecord; nextRuns: string[] }
let folder: Folder;

async function finished(ex: Executor, runId: string): Promise<RunRecord> {
  return waitUntil(async () => { const r = await ex.getRun(runId); return r.endedAt !== null && r.status !== 'running' ? r : null; }, { what: `run ${runId} to end`, timeoutMs: T(10_000) });
}

describe('dashboard pages', () => {
  beforeAll(async () => {
    const { ex, dir } = kit.make();
    const script = path.join(dir, 'say.sh');
    writeFileSync(script, `echo '${EVIL}'\nexit "\${1:-0}"\n`);
    await ex.addTask('ok', script, { interpreter: 'sh', infiniteLoop: false, tags: ['web', 'nightly'], period: '1h', description: EVIL });
    await ex.addTask('bad', script, { interpreter: 'sh', infiniteLoop: false, args: ['3'] });
    await ex.disableTask('bad');
    const ok = await finished(ex, await ex.runTask('ok'));
    const bad = await finished(ex, await ex.runTask('bad', { data: { note: EVIL } }));
    folder = { rows: await ex.listTasks(), ok, bad, nextRuns: await ex.nextRuns('ok', 5) }; // the folder goes after the first test
  }, T(30_000));

  it('the table: one row per task with its hooks, filters, controls and the no-supervisor banner', () => {
    const html = renderTablePage(ctx(), folder.rows);
    expectSafe(html);
    expect(html).toContain('<body data-page="table" data-read-only="false">');
    expect(html).toContain('<table data-table="tasks">');
    expect(html).toMatch(/<tr data-task="ok" data-status="idle" data-tags="web nightly"/);
    expect(html).toMatch(/<tr data-task="bad" data-status="failed" data-tags="" data-enabled="false"/);
    expect(html).toContain('<span class="badge badge-disabled" data-badge data-status="failed">disabled</span>');
    expect(html).toContain('<a href="/tasks/ok">ok</a>');
    for (const f of ['text', 'tag', 'status']) expect(html).toContain(`data-filter="${f}"`);
    expect(html).toContain('<option value="nightly">nightly</option>');
    for (const a of ['start', 'stop', 'restart', 'run', 'disable']) expect(html).toContain(`<button data-action="${a}" data-task="ok">`);
    expect(html).toContain('<button data-action="enable" data-task="bad">');
    for (const i of ['event-type', 'event-payload']) expect(html).toContain(`data-input="${i}"`);
    expect(html).toContain('data-action="emit"');
    expect(html).toContain('<div data-result role="status"');
    expect(html).toMatch(/<div data-banner="no-supervisor" class="banner">[^<]*schedules and restarts are paused/);
    const supervised = renderTablePage(ctx({ supervisor: { pid: 42, hostname: 'box', since: new Date().toISOString() } }), folder.rows);
    expect(supervised).toMatch(/<div data-banner="no-supervisor" class="banner" hidden>/);
    expect(supervised).toContain('supervisor: pid 42 on box');
  });

  it('taskRowHtml is the table row, and its signature follows the row JSON', () => {
    const now = Date.now();
    const row = folder.rows.find((r) => r.name === 'ok')!;
    expect(renderTablePage(ctx({ now }), folder.rows)).toContain(taskRowHtml(row, now, false));
    expect(taskRowHtml(row, now, false)).toMatch(/^<tr [^>]*>.*<\/tr>$/);
    expect(rowSignature({ ...row })).toBe(rowSignature(row));
    expect(rowSignature({ ...row, status: 'running' })).not.toBe(rowSignature(row));
    const running = taskRowHtml({ ...row, status: 'running', pid: 123, lastStartedAt: new Date(now - 5000).toISOString() }, now, false);
    expect(running).toContain('data-status="running"');
    expect(running).toMatch(/data-since="[^"]+">5s</);
  });

  it('escapes names, tags, descriptions, output, log lines, messages and run data everywhere', () => {
    const evilRow: TaskRow = { ...folder.rows[0]!, name: EVIL, tags: [EVIL], description: EVIL, script: EVIL };
    const evilRun: RunRecord = { ...folder.bad, task: EVIL, runId: EVIL, errorMessage: EVIL, saved: { name: EVIL, description: EVIL, savedAt: folder.bad.startedAt } };
    const detail: TaskDetail = { task: evilRow, nextRuns: [], runs: [evilRun], decisions: [{ time: '2026-01-01 00:00:00', kind: 'started', text: EVIL }] };
    const pages = [
      renderTablePage(ctx(), [evilRow]), renderTaskPage(ctx(), detail), renderRunPage(ctx(), evilRun, { lines: [EVIL] }),
      renderOutputPage(ctx(), { name: EVIL, lines: [EVIL], archives: [], run: null }), renderLogPage(ctx(), [EVIL]),
      renderUpcomingPage(ctx(), [{ task: EVIL, at: new Date().toISOString() }]), renderErrorPage(ctx(), 404, 'ERR_TASK_NOT_FOUND', EVIL),
    ];
    for (const html of pages) {
      expectSafe(html);
      expect(html).toContain(ESCAPED);
    }
    expect(pages[0]).toContain(`href="/tasks/${encodeURIComponent(EVIL)}"`);
    expect(pages[2]).toContain(`<span data-line>${ESCAPED}</span>\n`);
  });

  it('the task page: badge, settings, next runs, runs linking their pages, the history chart and decisions', () => {
    const row = folder.rows.find((r) => r.name === 'ok')!;
    const detail: TaskDetail = { task: row, nextRuns: folder.nextRuns, runs: [folder.ok, folder.bad], decisions: [{ time: '2026-01-01 00:00:00', kind: 'skipped', text: 'skipped: overlap' }] };
    const html = renderTaskPage(ctx(), detail);
    expectSafe(html);
    expect(html).toContain('<body data-page="task" data-read-only="false" data-task-page="ok">');
    expect(html).toContain('<span class="badge badge-idle" data-badge data-status="idle">idle</span>');
    expect(html).toContain('<dl data-settings>');
    expect(html.match(/<ol data-next-runs>(.*?)<\/ol>/)![1]!.match(/<li>/g)).toHaveLength(5);
    expect(html).toContain(`<tr data-run-row="${folder.ok.runId}" data-status="succeeded">`);
    expect(html).toContain(`href="/runs/${folder.bad.runId}"`);
    expect(html).toMatch(/<svg data-chart="history"[^>]*>/);
    expect(html).toMatch(new RegExp(`<rect data-run-bar="${folder.ok.runId}" class="bar bar-ok"`));
    expect(html).toMatch(new RegExp(`<rect data-run-bar="${folder.bad.runId}" class="bar bar-fail"`));
    expect(html).toContain('<ol data-decisions><li data-kind="skipped">');
    for (const a of ['start', 'stop', 'restart', 'run', 'enable', 'disable']) expect(html).toContain(`data-action="${a}" data-task="ok"`);
    expect(html).toContain('<textarea data-input="data"');
    const readOnly = renderTaskPage(ctx({ readOnly: true }), detail);
    for (const re of NO_CONTROLS) expect(readOnly).not.toMatch(re);
  });

  it('the history chart keeps the last 50 runs, heights by duration, no style attribute', () => {
    const runs = Array.from({ length: 60 }, (_, i): RunRecord => ({ ...folder.ok, runId: `r${i}`, endedAt: new Date(Date.parse(folder.ok.startedAt) + (60 - i) * 1000).toISOString() }));
    const svg = historyChartHtml(runs, Date.now());
    expect(svg.match(/<rect /g)).toHaveLength(50);
    expect(svg).not.toMatch(/style=/);
    expect(svg).toMatch(/<rect data-run-bar="r0" class="bar bar-ok" x="490" y="2" width="8" height="58">/); // newest, longest, rightmost
  });

  it('the run page: facts, steps with their statuses, each step output, cancel and save; read-only has no control', () => {
    const statuses: StepStatus[] = ['completed', 'pending', 'running', 'failed', 'skipped', 'unprocessed', 'cancelled'];
    const steps = statuses.map((status, i) => ({ name: `s${i}`, status, startedAt: folder.bad.startedAt, endedAt: folder.bad.endedAt, exitCode: i, signal: null, retries: 0, timedOut: false, pid: null, outputFile: null, errorFile: null }));
    const run: RunRecord = { ...folder.bad, steps, step: 3, errorMessage: 'boom' };
    const html = renderRunPage(ctx(), run, { steps: { s0: ['first', EVIL] } });
    expectSafe(html);
    expect(html).toContain(`<body data-page="run" data-read-only="false" data-run="${run.runId}" data-run-status="failed"`);
    statuses.forEach((s, i) => expect(html).toContain(`<tr data-step="s${i}" data-status="${s}"><td>s${i}</td><td><span class="badge badge-${s}" data-badge data-status="${s}">${s}</span>`));
    expect(html).toMatch(/<tr data-step="s3"[^]*?<td class="error">boom<\/td><\/tr>/);
    expect(html).toContain(`<pre data-step-output="s0" class="out"><span data-line>first</span>\n<span data-line>${ESCAPED}</span>\n</pre>`);
    expect(html).toContain(`data-action="cancel" data-run="${run.runId}"`);
    expect(html).toContain(`data-action="save" data-run="${run.runId}"`);
    for (const i of ['name', 'description']) expect(html).toContain(`data-input="${i}"`);
    expect(html).toContain('<a href="/tasks/bad">bad</a>');
    expect(html).toContain('&quot;note&quot;');
    const script = renderRunPage(ctx({ readOnly: true }), folder.ok, { lines: ['hello'] });
    expect(script).toContain('<pre data-output class="out"><span data-line>hello</span>\n</pre>');
    for (const re of NO_CONTROLS) expect(script).not.toMatch(re);
  });

  it('the output page follows the current output only, and links its archives; the log page is live', () => {
    const archive = { archive: 1, file: 'ok.2026-01-01_00-00-00.txt', path: '/x', startedAt: folder.ok.startedAt, runId: folder.ok.runId, size: 10 };
    const current = renderOutputPage(ctx({ readOnly: true }), { name: 'ok', lines: ['a'], archives: [archive], run: null });
    expectSafe(current);
    expect(current).toContain('<pre data-output data-follow="ok" class="out"><span data-line>a</span>\n</pre>');
    expect(current).toContain(`<a href="/tasks/ok/out?run=${encodeURIComponent(archive.file)}">`);
    expect(current).toContain(`href="/runs/${folder.ok.runId}"`);
    const old = renderOutputPage(ctx(), { name: 'ok', lines: [], archives: [archive], run: '1' });
    expect(old).not.toContain('data-follow');
    const log = renderLogPage(ctx(), ['one']);
    expect(log).toContain('<pre data-log class="out"><span data-line>one</span>\n</pre>');
    expect(log).toContain('data-page="log"');
  });

  it('read-only pages render no control at all', () => {
    const html = renderTablePage(ctx({ readOnly: true }), folder.rows);
    expect(html).toContain('data-read-only="true"');
    for (const re of NO_CONTROLS) expect(html).not.toMatch(re);
    expect(html).toContain('data-filter="text"');
  });
});
