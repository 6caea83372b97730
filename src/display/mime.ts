// The display protocols a value can answer: Jupyter's object protocol (a MIME bundle; Deno's kernel calls it) and
// Node's util.inspect (what a REPL prints). Global symbols, so nothing has to be imported to use them.

/** `obj[JUPYTER_DISPLAY]()` returns a {@link MimeBundle}: the object protocol of Deno's Jupyter kernel. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for('Jupyter.display') as never;
/** `util.inspect.custom`, by its global name (the same symbol `node:util` exports). */
export const INSPECT_CUSTOM: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never;

/** A MIME bundle: the same view as HTML and as plain text. */
export interface MimeBundle {
  'text/html': string;
  'text/plain': string;
}

/** A value with rich views: an HTML one and a text one (computed now, or later for a value that must read first). */
export interface Displayable {
  [JUPYTER_DISPLAY](): MimeBundle | Promise<MimeBundle>;
}

/** True when `value` answers the Jupyter object protocol. */
export function isDisplayable(value: unknown): value is Displayable {
  return typeof value === 'object' && value !== null && typeof (value as Partial<Displayable>)[JUPYTER_DISPLAY] === 'function';
}
