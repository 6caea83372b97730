// Small DOM helpers of the dashboard's browser script.

/** The first element matching `selector`, or null. */
export function $<T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T | null {
  return root.querySelector<T>(selector);
}

/** Every element matching `selector`. */
export function $$<T extends Element = HTMLElement>(selector: string, root: ParentNode = document): T[] {
  return [...root.querySelectorAll<T>(selector)];
}

const template = document.createElement('template');

/** The first element of an HTML string (a `<tr>` parses fine inside a template). */
export function fromHtml(html: string): Element {
  template.innerHTML = html;
  const element = template.content.firstElementChild;
  if (element === null) throw new Error('empty HTML');
  return element;
}

/** Replaces `old` with the element of `html`; returns the new element. */
export function replaceWith(old: Element, html: string): Element {
  const element = fromHtml(html);
  old.replaceWith(element);
  return element;
}

/** Replaces the element matching `selector` (if any) with `html`. */
export function replaceSelector(selector: string, html: string): void {
  const old = $(selector);
  if (old !== null) replaceWith(old, html);
}

/** Sets an element's text only when it differs (no needless layout). */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Most lines a live `<pre>` keeps; older ones are dropped. */
export const MAX_LIVE_LINES = 5000;

/**
 * Appends lines to a `<pre>` as `<span data-line>` + newline, escaped (textContent) or as the HTML `html` makes of
 * each (it escapes: linkedText), keeping it scrolled to the end when it was at the end.
 */
export function appendLines(pre: HTMLElement, lines: readonly string[], html?: (line: string) => string): void {
  const atEnd = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 40;
  const fragment = document.createDocumentFragment();
  for (const line of lines) {
    const span = document.createElement('span');
    span.setAttribute('data-line', '');
    if (html === undefined) span.textContent = line;
    else span.innerHTML = html(line); // escaped by the renderer (linkedText)
    fragment.append(span, '\n');
  }
  pre.append(fragment);
  const spans = pre.querySelectorAll('[data-line]');
  for (let i = 0; i < spans.length - MAX_LIVE_LINES; i++) {
    spans[i]!.nextSibling?.remove();
    spans[i]!.remove();
  }
  if (atEnd) window.scrollTo(0, document.documentElement.scrollHeight);
}

/** Batches calls per animation frame: `push(x)` collects, `flush(all)` runs once per frame. */
export function batcher<T>(flush: (items: T[]) => void): (item: T) => void {
  let items: T[] = [];
  let queued = false;
  return (item) => {
    items.push(item);
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      const batch = items;
      items = [];
      queued = false;
      flush(batch);
    });
  };
}
