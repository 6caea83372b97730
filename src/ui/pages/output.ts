// The output page ('/tasks/:name/out': last lines, archives, live follow) and the executor log page ('/log').
import { formatBytes, formatStamp } from '../../display/format.js';
import { pageHtml } from './layout.js';
import { escapeHtml, lineSpans, runLink, taskHref, taskLink } from './markup.js';
import type { OutputInfo, OutputPage, PageContext } from './types.js';

function archiveItem(name: string, a: OutputInfo, selected: string | null): string {
  const href = `${taskHref(name)}/out?run=${encodeURIComponent(a.file)}`;
  const current = selected === a.file || selected === String(a.archive) ? ' aria-current="page"' : '';
  return `<li data-archive="${a.archive}"><a href="${escapeHtml(href)}"${current}>${escapeHtml(a.file)}</a> <span class="muted">${escapeHtml(formatStamp(a.startedAt))} · ${escapeHtml(formatBytes(a.size))}</span>`
    + `${a.runId === null ? '' : ` · ${runLink(a.runId)}`}</li>`;
}

/**
 * The output page: the current output (followed live: `data-follow`) or an archive, and the archives to open.
 * @example `renderOutputPage(ctx, { name: 'web', lines, archives: await ex.listOutputs('web'), run: null })`
 */
export function renderOutputPage(ctx: PageContext, out: OutputPage): string {
  const name = escapeHtml(out.name);
  const from = out.mark ? ` data-follow-from="${escapeHtml(out.mark)}"` : '';
  const live = out.follow ?? out.run === null;
  const follow = live ? ` data-follow="${name}"${from}` : '';
  const current = ` · <a href="${escapeHtml(taskHref(out.name))}/out">current</a>`;
  const which = live ? '<span class="pill live">live</span>' : out.run === null ? `<span class="muted">not followed</span>${current}` : `<span class="muted">archive ${escapeHtml(out.run)}</span>${current}`;
  const archives = out.archives.map((a) => archiveItem(out.name, a, out.run)).join('');
  const main = `<h1>Output of ${taskLink(out.name)} ${which}</h1><pre data-output${follow} class="out">${lineSpans(out.lines)}</pre>`
    + `<h2>Archives</h2>${archives === '' ? '<p class="muted">No archives yet.</p>' : `<ul data-archives>${archives}</ul>`}`;
  return pageHtml(ctx, { page: 'output', title: `${out.name} output`, main, bodyAttrs: `data-output-task="${name}"` });
}

/**
 * The executor log page, followed live (from `mark`, where `lines` end, when given); run ids and the task names of
 * `names` are links.
 * @example `renderLogPage(ctx, await ex.readLog(200))`
 */
export function renderLogPage(ctx: PageContext, lines: string[], mark: string | null = null, names: ReadonlySet<string> = new Set()): string {
  const from = mark ? ` data-follow-from="${escapeHtml(mark)}"` : '';
  const main = `<h1>Executor log <span class="pill live">live</span></h1><pre data-log${from} class="out">${lineSpans(lines, names)}</pre>`;
  return pageHtml(ctx, { page: 'log', title: 'Log', main });
}
