// The frame of every page: doctype, the stylesheet and script (no inline script or style: CSP), the nav, the
// supervisor line and the no-supervisor banner the client shows and hides live.
import { formatStamp } from '../../display/format.js';
import { escapeHtml } from './markup.js';
import type { PageContext, SupervisorInfo } from './types.js';

/** The `data-page` names. */
export type PageName = 'table' | 'upcoming' | 'task' | 'run' | 'output' | 'log' | 'error';

/** The banner's text: it must say that schedules and restarts are paused. */
export const NO_SUPERVISOR_TEXT = 'No supervisor holds this folder: schedules and restarts are paused.';

const NAV: readonly (readonly [string, string, PageName])[] = [['/', 'Tasks', 'table'], ['/upcoming', 'Upcoming', 'upcoming'], ['/log', 'Log', 'log']];

/**
 * The supervisor line's text, shared with the client.
 * @example `supervisorText({ pid: 42, hostname: 'box', since }) // 'supervisor: pid 42 on box since 2026-03-01 09:00:00'`
 */
export function supervisorText(s: SupervisorInfo | null): string {
  return s === null ? 'no supervisor' : `supervisor: pid ${s.pid} on ${s.hostname} since ${formatStamp(s.since)}`;
}

/** What a page passes to {@link pageHtml}. */
export interface PageParts {
  page: PageName;
  title: string;
  /** The inside of `<main>`. */
  main: string;
  /** Extra `<body>` attributes, already escaped (`data-run="…"`). */
  bodyAttrs?: string;
}

function navHtml(page: PageName): string {
  return NAV.map(([href, label, name]) => `<a href="${href}"${name === page ? ' aria-current="page"' : ''}>${label}</a>`).join('');
}

/**
 * A whole page around its `<main>`.
 * @example `pageHtml(ctx, { page: 'log', title: 'Log', main: '<pre data-log></pre>' })`
 */
export function pageHtml(ctx: PageContext, parts: PageParts): string {
  const extra = parts.bodyAttrs === undefined ? '' : ` ${parts.bodyAttrs}`;
  const banner = `<div data-banner="no-supervisor" class="banner"${ctx.supervisor === null ? '' : ' hidden'}>${NO_SUPERVISOR_TEXT}</div>`;
  return '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    + '<meta name="viewport" content="width=device-width,initial-scale=1"><link rel="icon" href="data:,">'
    + `<title>${escapeHtml(parts.title)} · executor</title>`
    + '<link rel="stylesheet" href="/assets/app.css"><script type="module" src="/assets/app.js"></script></head>'
    + `<body data-page="${parts.page}" data-read-only="${ctx.readOnly}"${extra}>`
    + `<header><nav>${navHtml(parts.page)}</nav><span data-supervisor class="muted">${escapeHtml(supervisorText(ctx.supervisor))}</span>`
    + `${ctx.readOnly ? '<span class="pill">read-only</span>' : ''}</header>${banner}`
    + `<main>${parts.main}</main></body></html>\n`;
}
