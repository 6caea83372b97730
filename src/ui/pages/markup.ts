// Small HTML pieces the pages share: escaped text, links to task and run pages, badges, output lines.
import { escapeHtml } from '../../display/html.js';

export { escapeHtml };

/** The URL of a task's page. */
export function taskHref(name: string): string {
  return `/tasks/${encodeURIComponent(name)}`;
}

/** The URL of a run's page. */
export function runHref(runId: string): string {
  return `/runs/${encodeURIComponent(runId)}`;
}

/** A task name as a link to its page. */
export function taskLink(name: string): string {
  return `<a href="${escapeHtml(taskHref(name))}">${escapeHtml(name)}</a>`;
}

/** A run id as a link to its page. */
export function runLink(runId: string): string {
  return `<a href="${escapeHtml(runHref(runId))}" class="mono">${escapeHtml(runId)}</a>`;
}

/** The CSS class of a status word's badge (`badge-running`); unknown words get their own class and grey. */
export function badgeClass(status: string): string {
  return `badge badge-${status.replace(/[^a-z-]/g, '')}`;
}

/**
 * A status badge: `<span class="badge badge-WORD" data-badge data-status="STATUS">WORD</span>`; the word shown is the
 * status unless given (a disabled task's badge says `disabled`, its `data-status` stays its status).
 * @example `badgeHtml('running')`
 */
export function badgeHtml(status: string, word = status): string {
  return `<span class="${badgeClass(word)}" data-badge data-status="${escapeHtml(status)}">${escapeHtml(word)}</span>`;
}

/** The shape of the run ids the package makes (`YYYYMMDD-HHmmss-SSS-xxxxxx`, src/run/ids.ts). */
export const RUN_ID_SHAPE = /^\d{8}-\d{6}-\d{3}-[0-9a-f]{6}$/;
// Words that may be a task name or a run id, in free text.
const WORD = /[A-Za-z0-9][A-Za-z0-9._-]*/g;

// One word as a link when it is a run id or a known task name (a trailing `.`, `-` or `_` ending a sentence aside).
function wordHtml(word: string, names: ReadonlySet<string>): string {
  if (RUN_ID_SHAPE.test(word)) return runLink(word);
  if (names.has(word)) return taskLink(word);
  const bare = word.replace(/[._-]+$/, '');
  if (bare !== word && (RUN_ID_SHAPE.test(bare) || names.has(bare))) return wordHtml(bare, names) + escapeHtml(word.slice(bare.length));
  return escapeHtml(word);
}

/**
 * Free text (a log line, a decision) escaped, with every run id and every name of `names` linked to its page.
 * @example `linkedText('Starting web (run 20261207-140423-421-9a0189)', new Set(['web']))`
 */
export function linkedText(text: string, names: ReadonlySet<string>): string {
  let html = '';
  let at = 0;
  for (const m of text.matchAll(WORD)) {
    html += escapeHtml(text.slice(at, m.index)) + wordHtml(m[0], names);
    at = m.index + m[0].length;
  }
  return html + escapeHtml(text.slice(at));
}

/** Output or log lines: one `<span data-line>` per line, each followed by a newline; with `names`, run ids and those task names are links (the log). */
export function lineSpans(lines: readonly string[], names: ReadonlySet<string> | null = null): string {
  let html = '';
  for (const line of lines) html += `<span data-line>${names === null ? escapeHtml(line) : linkedText(line, names)}</span>\n`;
  return html;
}

/** A time element: the ISO time as `datetime`, the given text shown. */
export function timeHtml(iso: string, text: string): string {
  return `<time datetime="${escapeHtml(iso)}">${escapeHtml(text)}</time>`;
}

/** A control button (`data-action`, with `data-task` or `data-run`); no `type`: no page has a form. */
export function actionButton(action: string, target: { task: string } | { run: string }, label = action): string {
  const attr = 'task' in target ? `data-task="${escapeHtml(target.task)}"` : `data-run="${escapeHtml(target.run)}"`;
  return `<button data-action="${action}" ${attr}>${escapeHtml(label)}</button>`;
}

/** Where the controls write their result (`data-result-status` is set by the client). */
export const RESULT_HTML = '<div data-result role="status" aria-live="polite"></div>';
