// The task table as a feed of changes, for the dashboard's live pages: re-listed when a record or an exit file
// changes (fs.watch on tasks/ and runs/) and on a slow poll (cpu, memory, the supervisor's lease), and diffed by row.
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { DashboardSdk } from './sdk.js';
import { FOLDER_LAYOUT } from '../store/layout.js';
import type { SupervisorInfo } from '../supervisor/presence.js';
import type { TaskRow } from '../task/rows.js';

/** How long after a file change the table is re-listed: changes in a burst (a record, its journal line) count once. */
export const CHANGE_SETTLE_MS = 25;
/**
 * How often the table is re-listed while somebody watches, for what no file change announces (cpu, memory): each
 * listing walks `/proc` (about 10 ms of CPU with 100 running tasks), so it is kept well under 1% of a core.
 */
export const TABLE_POLL_MS = 5_000;
/** How often the supervisor's lease is looked at (one small file read) while somebody watches: the banner follows it. */
export const SUPERVISOR_POLL_MS = 1_000;

/** One change of the table: the rows that changed (or every row, on `full`), the names removed, the supervisor. */
export interface TableChange { rows: TaskRow[]; removed: string[]; full: boolean; supervisor: SupervisorInfo | null; supervisorChanged: boolean }

type Listener = (change: TableChange) => void;

/**
 * Watches the folder while at least one listener is subscribed; each listener gets a full change first, then the
 * rows that changed. One listing serves every listener.
 * @example
 * ```ts
 * const feed = new TableFeed(ex);
 * const off = feed.subscribe((change) => send(change.rows));
 * ```
 */
export class TableFeed {
  readonly #ex: DashboardSdk;
  readonly #listeners = new Set<Listener>();
  readonly #fresh = new Set<Listener>();
  #rows = new Map<string, { json: string; row: TaskRow }>();
  #supervisor: string | undefined;
  #supervisorInfo: SupervisorInfo | null = null;
  #watchers: FSWatcher[] = [];
  #poll: NodeJS.Timeout | null = null;
  #leasePoll: NodeJS.Timeout | null = null;
  #settle: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;

  constructor(ex: DashboardSdk) {
    this.#ex = ex;
  }

  /** Adds a listener (it gets every row at once, then changes); returns the function that removes it. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    this.#fresh.add(listener);
    if (this.#listeners.size === 1) this.#start();
    this.refresh();
    return () => {
      this.#listeners.delete(listener);
      this.#fresh.delete(listener);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  /** Re-lists the table now (coalesced with a listing under way). */
  refresh(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#list().catch(() => undefined).finally(() => {
      this.#running = null;
      if (this.#again && this.#listeners.size > 0) {
        this.#again = false;
        this.refresh();
      }
    });
  }

  /** Stops watching and forgets every listener. */
  close(): void {
    this.#listeners.clear();
    this.#fresh.clear();
    this.#stop();
  }

  #start(): void {
    for (const [dir, recursive] of [[FOLDER_LAYOUT.tasks, false], [FOLDER_LAYOUT.runs, true]] as const) {
      try {
        const watcher = watch(join(this.#ex.folder, dir), { recursive, persistent: false }, () => this.#changed());
        watcher.on('error', () => undefined);
        this.#watchers.push(watcher);
      } catch {
        // No such folder yet, or no inotify: the poll still sees every change, later.
      }
    }
    this.#poll = setInterval(() => this.refresh(), TABLE_POLL_MS);
    this.#poll.unref();
    this.#leasePoll = setInterval(() => void this.#checkLease(), SUPERVISOR_POLL_MS);
    this.#leasePoll.unref();
  }

  // A supervisor that came or went: re-list now (every row carries it) rather than at the next poll.
  async #checkLease(): Promise<void> {
    const supervisor = await this.#ex.getSupervisor().catch(() => undefined);
    if (supervisor !== undefined && this.#supervisor !== undefined && JSON.stringify(supervisor) !== this.#supervisor) this.refresh();
  }

  #stop(): void {
    for (const watcher of this.#watchers.splice(0)) watcher.close();
    if (this.#poll) clearInterval(this.#poll);
    if (this.#leasePoll) clearInterval(this.#leasePoll);
    if (this.#settle) clearTimeout(this.#settle);
    this.#poll = this.#leasePoll = this.#settle = null;
    this.#rows = new Map();
    this.#supervisor = undefined;
  }

  #changed(): void {
    if (this.#settle) return;
    this.#settle = setTimeout(() => {
      this.#settle = null;
      this.refresh();
    }, CHANGE_SETTLE_MS);
    this.#settle.unref();
  }

  async #list(): Promise<void> {
    const rows = await this.#ex.listTasks();
    const supervisor = rows.length > 0 ? rows[0]!.supervisor : await this.#ex.getSupervisor();
    const supervisorJson = JSON.stringify(supervisor);
    const supervisorChanged = supervisorJson !== this.#supervisor;
    this.#supervisor = supervisorJson;
    this.#supervisorInfo = supervisor;
    const next = new Map<string, { json: string; row: TaskRow }>();
    const changed: TaskRow[] = [];
    for (const row of rows) {
      const json = JSON.stringify(row);
      next.set(row.name, { json, row });
      if (this.#rows.get(row.name)?.json !== json) changed.push(row);
    }
    const removed = [...this.#rows.keys()].filter((name) => !next.has(name));
    this.#rows = next;
    this.#deliver({ rows: changed, removed, full: false, supervisor, supervisorChanged }, rows);
  }

  #deliver(change: TableChange, all: TaskRow[]): void {
    for (const listener of [...this.#listeners]) {
      if (this.#fresh.delete(listener)) listener({ rows: all, removed: [], full: true, supervisor: this.#supervisorInfo, supervisorChanged: true });
      else if (change.rows.length > 0 || change.removed.length > 0 || change.supervisorChanged) listener(change);
    }
  }
}
