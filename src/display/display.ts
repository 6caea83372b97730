// display(x): shows a value's rich view where the host can (tslab, Deno's Jupyter kernel), else prints its text.
import { InvalidOptionError } from '../errors.js';
import { escapeHtml } from './html.js';
import { isDisplayable, JUPYTER_DISPLAY, type MimeBundle } from './mime.js';

/** Options of {@link display}. */
export interface DisplayOptions {
  /**
   * Where the text goes when no notebook kernel shows HTML.
   * @defaultValue writes to `process.stdout`, with a newline
   */
  write?: (text: string) => void;
}

// tslab's display API (a second copy of tslab, e.g. one installed next to this package, is "Not ready").
interface TslabDisplay {
  display: { html(html: string): void; text(text: string): void };
  /** A display that each call overwrites in place (tslab's update_display_data). */
  newDisplay?: () => { html(html: string): void };
}
// Deno's Jupyter API (present only under `deno jupyter`).
interface DenoJupyter { jupyter?: { display(bundle: MimeBundle, options: { raw: boolean; update?: boolean; display_id?: string }): Promise<void> | void } }

// Under tslab, `globalThis.__tslab__` is `{ exports, require }`, and its `require('tslab')` gives the kernel's own copy
// (the only one that can display); anywhere else there is no `__tslab__`.
/** tslab's display API when this code runs in a tslab kernel, else null. */
export function tslabOf(): TslabDisplay | null {
  const host = (globalThis as { __tslab__?: { require?: (id: string) => unknown } }).__tslab__;
  if (typeof host?.require !== 'function') return null;
  try {
    const tslab = host.require('tslab') as Partial<TslabDisplay> | undefined;
    return typeof tslab?.display?.html === 'function' ? (tslab as TslabDisplay) : null;
  } catch {
    return null;
  }
}

/** Deno's Jupyter API when this code runs in `deno jupyter`, else null. */
export function denoJupyterOf(): DenoJupyter['jupyter'] | null {
  try {
    return (globalThis as { Deno?: DenoJupyter }).Deno?.jupyter ?? null; // throws outside `deno jupyter`
  } catch {
    return null;
  }
}

/** The MIME bundle of a value: its own view when it has one, else its text. */
async function bundleOf(value: unknown): Promise<MimeBundle> {
  const resolved: unknown = await value;
  if (isDisplayable(resolved)) return resolved[JUPYTER_DISPLAY]();
  const text = typeof resolved === 'string' ? resolved : plainText(resolved);
  return { 'text/plain': text, 'text/html': `<pre>${escapeHtml(text)}</pre>` };
}

// A value with no view of its own, as text: indented JSON, else (a cycle, a BigInt, a function) String().
function plainText(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

// Checks display()'s options (nothing is shown on a bad one).
function checkDisplayOptions(options: unknown): DisplayOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  const { write } = options as DisplayOptions;
  if (write !== undefined && typeof write !== 'function') throw new InvalidOptionError('write', 'a function', write);
  return options as DisplayOptions;
}

/**
 * Shows `value` (or what the promise `value` resolves to) under the running cell: as HTML in tslab and in Deno's
 * Jupyter kernel, as text elsewhere (a REPL, a script). The views of `ex` itself, `ex.status()`, `ex.getRun()` and
 * `ex.out()` render as tables with status badges.
 * @example `await display(ex.status())`
 */
export async function display(value: unknown, options?: DisplayOptions): Promise<void> {
  const { write: userWrite } = checkDisplayOptions(options);
  const bundle = await bundleOf(value);
  const tslab = tslabOf();
  if (tslab) return tslab.display.html(bundle['text/html']);
  const deno = denoJupyterOf();
  if (deno) return void (await deno.display(bundle, { raw: true }));
  const write = userWrite ?? ((text: string) => void process.stdout.write(`${text}\n`));
  write(bundle['text/plain']);
}
