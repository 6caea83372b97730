// The dashboard's page renderers: pure functions, data in, HTML string out (the server's pages and the client's rows).
export { renderErrorPage } from './error.js';
export { NO_SUPERVISOR_TEXT, pageHtml, supervisorText, type PageName, type PageParts } from './layout.js';
export { renderLogPage, renderOutputPage } from './output.js';
export { renderRunPage, runFactsHtml, runOutputsHtml, stepsTableHtml } from './run.js';
export { FIRST_PAINT_ROWS, renderTablePage, rowSignature, STATUS_CHOICES, TABLE_HEADERS, taskRowHtml, whyText } from './table.js';
export { renderTaskPage, taskBadgeHtml, taskFactsHtml } from './task.js';
export { decisionsHtml, nextRunsHtml, runsTableHtml, settingsHtml } from './task-parts.js';
export { historyChartHtml } from './chart.js';
export { renderUpcomingPage } from './upcoming.js';
export { badgeHtml, escapeHtml, lineSpans, runHref, taskHref } from './markup.js';
export type { Decision, DecisionKind, OutputPage, PageContext, RunOutputs, TaskDetail, UpcomingItem } from './types.js';
