// Upcoming ('/upcoming'): every scheduled run of the next 24 hours, merged across tasks.
import { formatStamp, relativeIn } from '../../display/format.js';
import { pageHtml } from './layout.js';
import { escapeHtml, taskLink, timeHtml } from './markup.js';
import type { PageContext, UpcomingItem } from './types.js';

/** The most runs the upcoming list holds (the API's cut-off, src/ui/api.ts MAX_UPCOMING_ITEMS). */
export const MAX_UPCOMING_SHOWN = 1_000;

/**
 * The upcoming runs page, in the order given (the API sorts them by time).
 * @example `renderUpcomingPage(ctx, [{ task: 'backup', at: '2026-03-01T02:00:00.000Z' }])`
 */
export function renderUpcomingPage(ctx: PageContext, items: UpcomingItem[]): string {
  const rows = items.map((i) => `<tr data-upcoming="${escapeHtml(i.task)}"><td>${timeHtml(i.at, formatStamp(i.at))}</td>`
    + `<td class="muted">${escapeHtml(relativeIn(i.at, ctx.now))}</td><td>${taskLink(i.task)}</td></tr>`).join('');
  const cut = items.length >= MAX_UPCOMING_SHOWN ? `<p class="muted" data-cut>The first ${MAX_UPCOMING_SHOWN} runs are shown.</p>` : '';
  const main = `<h1>Upcoming <span class="muted">next 24 hours</span></h1>${cut}`
    + (items.length === 0 ? '<p class="muted" data-empty>Nothing is scheduled in the next 24 hours.</p>'
      : `<table data-table="upcoming"><thead><tr><th>When</th><th></th><th>Task</th></tr></thead><tbody>${rows}</tbody></table>`);
  return pageHtml(ctx, { page: 'upcoming', title: 'Upcoming', main });
}
