// The small history chart of a task page: one bar per run (height by duration, class by outcome), as inline SVG with
// presentation attributes only (no style attribute: the CSP forbids it; colours come from app.css).
import { formatDuration, formatRunExit } from '../../display/format.js';
import { neverStarted } from '../../display/run-view.js';
import { escapeHtml, runHref } from './markup.js';
import type { RunRecord } from './types.js';

/** Most runs the chart shows. */
export const CHART_RUNS = 50;
const BAR = 8;
const GAP = 2;
const HEIGHT = 60;
const MIN_BAR = 2;

/** How long a run took (to `now` while it runs); 0 for one that never started. */
export function runDuration(run: RunRecord, now: number): number {
  if (neverStarted(run)) return 0;
  const start = Date.parse(run.startedAt);
  const end = run.endedAt === null ? now : Date.parse(run.endedAt);
  return Number.isNaN(start) || Number.isNaN(end) ? 0 : Math.max(0, end - start);
}

/** The bar class of a run: `ok`, `fail`, `cancel`, `running` or `queued`. */
export function runOutcome(run: RunRecord): string {
  switch (run.status) {
    case 'succeeded': return 'ok';
    case 'failed': return 'fail';
    case 'cancelled': return 'cancel';
    default: return run.status;
  }
}

/**
 * The chart: `<svg data-chart="history">` with one `<rect data-run-bar>` per run (the last 50, oldest on the left),
 * each a link to its run page.
 * @example `historyChartHtml(detail.runs, Date.now())`
 */
export function historyChartHtml(runs: readonly RunRecord[], now: number): string {
  const shown = runs.slice(0, CHART_RUNS).reverse();
  const durations = shown.map((r) => runDuration(r, now));
  const max = Math.max(1, ...durations);
  const width = Math.max(1, shown.length) * (BAR + GAP);
  const bars = shown.map((run, i) => {
    const h = Math.max(MIN_BAR, Math.round((durations[i]! / max) * (HEIGHT - MIN_BAR)));
    const title = `${run.runId} · ${run.status} · ${formatDuration(durations[i]!)} · exit ${formatRunExit(run)}`;
    return `<a href="${escapeHtml(runHref(run.runId))}"><rect data-run-bar="${escapeHtml(run.runId)}" class="bar bar-${runOutcome(run)}" x="${i * (BAR + GAP)}" y="${HEIGHT - h}" width="${BAR}" height="${h}"><title>${escapeHtml(title)}</title></rect></a>`;
  }).join('');
  const label = `Duration and outcome of the last ${shown.length} runs; longest ${formatDuration(max === 1 && durations.every((d) => d === 0) ? 0 : max)}`;
  return `<svg data-chart="history" class="chart" viewBox="0 0 ${width} ${HEIGHT}" width="${width}" height="${HEIGHT}" role="img" aria-label="${escapeHtml(label)}">${bars}</svg>`;
}
