// The error page: status, code and message, escaped.
import { pageHtml } from './layout.js';
import { escapeHtml } from './markup.js';
import type { PageContext } from './types.js';

/**
 * An error page (unknown task or run, bad request…).
 * @example `renderErrorPage(ctx, 404, 'ERR_TASK_NOT_FOUND', 'Task "x" not found')`
 */
export function renderErrorPage(ctx: PageContext, status: number, code: string, message: string): string {
  const main = `<h1>${escapeHtml(String(status))}</h1><p data-error-code="${escapeHtml(code)}" class="error"><strong>${escapeHtml(code)}</strong>: ${escapeHtml(message)}</p><p><a href="/">Back to the tasks</a></p>`;
  return pageHtml(ctx, { page: 'error', title: `${status} ${code}`, main });
}
