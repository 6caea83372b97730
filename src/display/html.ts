// HTML of the rich views: escaped, self-contained (inline styles only: no external CSS, JS or fonts).
import type { StatusRow } from './status.js';
import { STATUS_HEADERS, STATUS_KEYS } from './status.js';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for HTML content and attribute values: `<script>` shows as text.
 * @example `escapeHtml('<b>&') // '&lt;b&gt;&amp;'`
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Badge colours (background, text) by status word; others are grey. */
export const BADGE_COLORS: Readonly<Record<string, readonly [string, string]>> = {
  running: ['#d1f2dc', '#11672f'], succeeded: ['#d1f2dc', '#11672f'], completed: ['#d1f2dc', '#11672f'],
  failed: ['#fbd8d6', '#8f1d14'], errored: ['#fbd8d6', '#8f1d14'], cancelled: ['#fbd8d6', '#8f1d14'],
  backoff: ['#fdf0c7', '#7a5600'], queued: ['#fdf0c7', '#7a5600'], scheduled: ['#d6e9fb', '#124e8a'],
  waiting: ['#ece3fa', '#55307f'],
};
const GREY: readonly [string, string] = ['#e8e8e8', '#444'];

const CELL = 'padding:2px 10px;text-align:left;white-space:nowrap;border-bottom:1px solid #ddd';
const TABLE = 'border-collapse:collapse;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px';

/**
 * A status word as a coloured badge (coloured by its first word: `waiting: db is failed` as `waiting`).
 * @example `badge('running') // '<span style="…">running</span>'`
 */
export function badge(status: string): string {
  const [bg, fg] = BADGE_COLORS[status] ?? BADGE_COLORS[status.split(':')[0]!] ?? GREY;
  return `<span style="background:${bg};color:${fg};border-radius:8px;padding:1px 8px">${escapeHtml(status)}</span>`;
}

/**
 * A table of escaped text cells (a cell already made HTML is passed as `{ html }`).
 * @example `htmlTable(['A'], [['<x>']]) // '<table …><tr><th …>A</th></tr><tr><td …>&lt;x&gt;</td></tr></table>'`
 */
export function htmlTable(headers: readonly string[], rows: readonly (readonly (string | { html: string })[])[]): string {
  const cell = (c: string | { html: string }): string => (typeof c === 'string' ? escapeHtml(c) : c.html);
  const head = `<tr>${headers.map((h) => `<th style="${CELL}">${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td style="${CELL}">${cell(c)}</td>`).join('')}</tr>`).join('');
  return `<table style="${TABLE}">${head}${body}</table>`;
}

/**
 * The task table as HTML, the status as a badge.
 * @example `statusHtml(await ex.status())`
 */
export function statusHtml(rows: readonly StatusRow[]): string {
  return htmlTable(STATUS_HEADERS, rows.map((r) => STATUS_KEYS.map((k) => (k === 'status' ? { html: badge(r.status) } : r[k]))));
}

/**
 * Lines in a monospace block, under an escaped caption.
 * @example `preHtml('web · running', ['tick 1', '<b>'])`
 */
export function preHtml(caption: string, lines: readonly string[]): string {
  const pre = 'margin:4px 0;padding:6px 8px;background:#f6f8fa;border-radius:4px;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px;white-space:pre-wrap';
  return `<div><div style="font-family:sans-serif;font-size:12px;color:#555">${escapeHtml(caption)}</div><pre style="${pre}">${escapeHtml(lines.join('\n'))}</pre></div>`;
}
