// Plain-text views: the same tables as the HTML ones, for a REPL (util.inspect) and the text/plain of a MIME bundle.
import { renderGrid } from './grid.js';
import type { StatusRow } from './status.js';
import { STATUS_HEADERS, STATUS_KEYS } from './status.js';

/**
 * A borderless text table (no colours), lines without trailing spaces.
 * @example `textTable(['A', 'B'], [['1', '2']]) // 'A  B\n1  2'`
 */
export function textTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return renderGrid(headers.map((text) => ({ text })), rows.map((r) => r.map((text) => ({ text }))));
}

/**
 * The task table as text, the columns of `executor ls`; `(no tasks)` when empty.
 * @example `statusText(await ex.status())`
 */
export function statusText(rows: readonly StatusRow[]): string {
  return rows.length === 0 ? '(no tasks)' : textTable(STATUS_HEADERS, rows.map((r) => STATUS_KEYS.map((k) => r[k])));
}
