// The task table as a feed of changes, for the dashboard's live pages: re-listed when a record or an exit file
// changes (fs.watch on tasks/ and runs/) and on a slow poll (cpu, memory, the supervisor's lease), and diffed by row.
import { readdirSync, watch, type Dirent, type FSWatcher } from 'node:fs';
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

// The files in runs/<task>/ whose change may change the table: exit files and ledger records.
const RUN_FILE = /\.(exit|json)$/;

function safeReaddir(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

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
    this.#watch(join(this.#ex.folder, FOLDER_LAYOUT.tasks), () => this.#changed());
    // runs/<task>/: a run's exit file (<runId>.exit) and ledger record (<runId>.json) land there; a program step's
    // output, one level deeper, does not concern the table. New task folders get a watcher as they appear.
    const runs = join(this.#ex.folder, FOLDER_LAYOUT.runs);
    const watched = new Set<string>();
    const watchTask = (name: string): void => {
      if (watched.has(name)) return;
      watched.add(name);
      this.#watch(join(runs, name), (file) => { if (file === null || RUN_FILE.test(file)) this.#changed(); });
    };
    this.#watch(runs, (file) => { if (file !== null && !file.startsWith('.')) watchTask(file); });
    for (const entry of safeReaddir(runs)) if (entry.isDirectory()) watchTask(entry.name);
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

  // One directory's watcher (not recursive); a folder that cannot be watched is left to the poll.
  #watch(dir: string, onEvent: (file: string | null) => void): void {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, file) => onEvent(file === null ? null : String(file)));
      watcher.on('error', () => undefined);
      this.#watchers.push(watcher);
    } catch {
      // No such folder yet, no inotify, or out of watches: the poll still sees every change, later.
    }
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
