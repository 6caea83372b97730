// The live task table: rows updated, inserted and removed from the stream with the server's own taskRowHtml (a row is
// rebuilt only when its JSON signature changed), and the text/tag/status filters.
import { rowSignature, taskRowHtml } from '../pages/table.js';
import type { TaskRow } from '../pages/types.js';
import { $, $$, fromHtml, setText } from './dom.js';

/** What a `tasks` event carries. */
export interface TasksMessage { rows: TaskRow[]; removed: string[]; full: boolean }

/** The live table of a page (only on the table page). */
export class LiveTable {
  private readonly index = new Map<string, HTMLTableRowElement>();

  constructor(private readonly body: HTMLTableSectionElement, private readonly readOnly: boolean) {
    for (const tr of body.rows) if (tr.dataset.task !== undefined) this.index.set(tr.dataset.task, tr);
    for (const f of $$<HTMLInputElement | HTMLSelectElement>('[data-filter]')) f.addEventListener('input', () => this.filterAll());
    this.filterAll();
  }

  /** Applies a `tasks` message: changed rows rebuilt, new rows inserted in name order, removed ones dropped. */
  apply(message: TasksMessage): void {
    const now = Date.now();
    const seen = new Set<string>();
    if (message.full) this.appendTail(message.rows, now);
    for (const row of message.rows) {
      seen.add(row.name);
      this.upsert(row, now);
    }
    const gone = message.full ? [...this.index.keys()].filter((n) => !seen.has(n)) : message.removed;
    for (const name of gone) {
      this.index.get(name)?.remove();
      this.index.delete(name);
    }
    this.summary();
  }

  /** Puts one row in (a control's answer), rebuilding it only if its JSON changed. */
  upsert(row: TaskRow, now = Date.now()): void {
    const old = this.index.get(row.name);
    if (old !== undefined && old.dataset.sig === rowSignature(row)) return;
    const tr = fromHtml(taskRowHtml(row, now, this.readOnly)) as HTMLTableRowElement;
    if (old !== undefined) old.replaceWith(tr);
    else this.insert(tr, row.name);
    this.index.set(row.name, tr);
    this.filterRow(tr);
    this.addTags(row.tags);
  }

  // The rows the server left for the script (it renders the first ones, in name order): appended in one piece.
  private appendTail(rows: readonly TaskRow[], now: number): void {
    const more = $('[data-more]');
    if (more !== null) more.hidden = true;
    let last = '';
    for (const name of this.index.keys()) if (name > last) last = name;
    const tail = rows.filter((row) => !this.index.has(row.name) && row.name > last);
    if (tail.length === 0) return;
    this.body.insertAdjacentHTML('beforeend', tail.map((row) => taskRowHtml(row, now, this.readOnly)).join(''));
    const f = this.filters();
    const added = [...this.body.rows].slice(-tail.length);
    for (const tr of added) {
      this.index.set(tr.dataset.task ?? '', tr);
      this.filterRow(tr, f);
    }
    this.addTags([...new Set(tail.flatMap((row) => row.tags))]);
  }

  private insert(tr: HTMLTableRowElement, name: string): void {
    let before: HTMLTableRowElement | null = null;
    for (const [other, element] of this.index) if (other > name && (before === null || (before.dataset.task ?? '') > other)) before = element;
    this.body.insertBefore(tr, before);
  }

  private addTags(tags: readonly string[]): void {
    const select = $<HTMLSelectElement>('select[data-filter="tag"]');
    if (select === null) return;
    for (const tag of tags) {
      if ([...select.options].some((o) => o.value === tag)) continue;
      select.add(new Option(tag, tag));
    }
  }

  private summary(): void {
    const count = $('[data-count]');
    if (count !== null) setText(count, String(this.index.size));
    const empty = $('[data-empty]');
    if (empty !== null) empty.hidden = this.index.size > 0;
  }

  private filters(): { text: string; tag: string; status: string } {
    const value = (name: string): string => $<HTMLInputElement | HTMLSelectElement>(`[data-filter="${name}"]`)?.value ?? '';
    return { text: value('text').trim().toLowerCase(), tag: value('tag'), status: value('status') };
  }

  private filterRow(tr: HTMLTableRowElement, f = this.filters()): void {
    const name = (tr.dataset.task ?? '').toLowerCase();
    const tags = (tr.dataset.tags ?? '').split(' ');
    const status = f.status === 'disabled' ? tr.dataset.enabled === 'false' : f.status === '' || tr.dataset.status === f.status;
    const hide = (f.text !== '' && !name.includes(f.text) && !tags.some((t) => t.toLowerCase().includes(f.text))) || (f.tag !== '' && !tags.includes(f.tag)) || !status;
    if (tr.hidden !== hide) tr.hidden = hide;
  }

  /** Re-applies the filters to every row. */
  filterAll(): void {
    const f = this.filters();
    for (const tr of this.index.values()) this.filterRow(tr, f);
  }

  /** The rows by name (for the ticking cells). */
  rows(): ReadonlyMap<string, HTMLTableRowElement> {
    return this.index;
  }
}
