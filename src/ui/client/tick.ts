// Cells that change with the clock, updated client-side every second from the last row seen (no server round trip):
// uptimes (`data-since`) and next runs (`data-col="next"`).
import { formatDuration } from '../../display/format.js';
import { nextRunText } from '../../display/status.js';
import type { TaskRow } from '../pages/types.js';
import { $, $$, setText } from './dom.js';

/** How often the clock cells are refreshed, ms. */
export const TICK_MS = 1000;

/** Refreshes the uptime and next-run cells under `root` (a row, or the task page's facts) for `row` at `now`. */
export function tickCells(root: ParentNode, row: TaskRow | undefined, now: number): void {
  for (const cell of $$('[data-since]', root)) {
    const since = Date.parse(cell.dataset.since ?? '');
    if (!Number.isNaN(since)) setText(cell, formatDuration(now - since));
  }
  const next = $('[data-col="next"]', root);
  if (next !== null && row !== undefined && (row.nextRun !== null || row.backoffUntil !== null)) setText(next, nextRunText(row, now));
}

/**
 * Starts the clock: every second `each(now)` runs, with `Date.now()` as the client clock; paused while the tab is hidden.
 * @example `startTicking((now) => tickCells(document, row, now))`
 */
export function startTicking(each: (now: number) => void): void {
  setInterval(() => {
    if (document.visibilityState !== 'hidden') each(Date.now());
  }, TICK_MS);
}
