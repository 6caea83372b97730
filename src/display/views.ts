// The objects the notebook and REPL views are made of: each answers Jupyter's object protocol (HTML + text) and
// util.inspect (text), so a kernel that knows the protocol renders it and a REPL prints a compact table.
import { preHtml, statusHtml } from './html.js';
import { INSPECT_CUSTOM, JUPYTER_DISPLAY, type MimeBundle } from './mime.js';
import type { StatusRow } from './status.js';
import { statusText } from './text.js';

/** `ex.status()`: an array of {@link StatusRow} (so `console.table` works) that renders as a table with badges. */
export class StatusTable extends Array<StatusRow> {
  /** The rows as a new table. */
  static fromRows(rows: readonly StatusRow[]): StatusTable {
    const table = new StatusTable();
    table.push(...rows);
    return table;
  }

  /** The task table as HTML (status badges) and text. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { 'text/html': statusHtml(this), 'text/plain': statusText(this) };
  }

  /** What a REPL prints: the text table. */
  [INSPECT_CUSTOM](): string {
    return statusText(this);
  }
}

/** `ex.out(name, n)`: the last lines a task printed, with a one-line summary of its run. */
export class OutputView {
  /** The task. */
  readonly name: string;
  /** A summary of the task's run, e.g. `web · running · pid 41023 · up 3m 12s`. */
  readonly summary: string;
  /** The lines, oldest first (the run's header and footer left out). */
  readonly lines: readonly string[];

  constructor(name: string, summary: string, lines: readonly string[]) {
    this.name = name;
    this.summary = summary;
    this.lines = lines;
  }

  /** The lines in a monospace block under the summary (HTML), or the summary then the lines (text). */
  [JUPYTER_DISPLAY](): MimeBundle {
    return { 'text/html': preHtml(this.summary, this.lines), 'text/plain': this.toString() };
  }

  [INSPECT_CUSTOM](): string {
    return this.toString();
  }

  /** The summary line, then the lines. */
  toString(): string {
    return [this.summary, ...this.lines].join('\n');
  }
}
