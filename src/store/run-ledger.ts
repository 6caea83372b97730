// The run ledger of a JSON folder: one file per run (runs/<task>/<runId>.json), writes of one file in order, and
// patches of one file that are waiting to be written merged into one write.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readJson, writeFileAtomic } from './atomic.js';
import { FOLDER_LAYOUT, JSON_EXT } from './layout.js';
import { checkRunRecord } from './record-check.js';
import type { RunRecord } from './records.js';
import { storeWriteError } from './write-error.js';

/** Patches of one run file waiting for their write, applied in order (each with its fallback for an absent file). */
interface PendingPatches {
  steps: { patch: Partial<RunRecord>; fallback: RunRecord | undefined }[];
  done: Promise<void>;
}

/** Run ledger records of one folder (see the file comment). */
export class RunLedger {
  readonly #folder: string;
  // Writes of one run file are serialised, so a later update never overwrites a newer one.
  readonly #queue = new Map<string, Promise<void>>();
  // Patches not yet being written, by file: a later patch joins them (one read and one write for all).
  readonly #pending = new Map<string, PendingPatches>();

  constructor(folder: string) {
    this.#folder = folder;
  }

  /** runs/<task>/ */
  runDir(task: string): string {
    return join(this.#folder, FOLDER_LAYOUT.runs, task);
  }

  /** runs/<task>/<runId>.json */
  runFile(task: string, runId: string): string {
    return join(this.runDir(task), `${runId}${JSON_EXT}`);
  }

  /** Runs `fn` after every write of `file` queued so far; later writes wait for it. */
  serial(file: string, fn: () => Promise<void>): Promise<void> {
    const next = (this.#queue.get(file) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.#queue.set(file, next);
    void next.catch(() => undefined).then(() => {
      if (this.#queue.get(file) === next) this.#queue.delete(file);
    });
    return next;
  }

  /** Writes a whole run record (after the writes queued before it). */
  write(run: RunRecord): Promise<void> {
    const file = this.runFile(run.task, run.runId);
    this.#pending.delete(file); // a patch made after this write must not join the ones before it
    return this.serial(file, () => this.#writeFile(run.task, file, run));
  }

  /**
   * Merges `patch` into a run record (after the writes queued before it); writes `fallback` when there is none. Patches
   * of one file made in one turn of the event loop (a run closed and its output archived in one locked step) are
   * written together: one read, one write.
   */
  update(task: string, runId: string, patch: Partial<RunRecord>, fallback?: RunRecord): Promise<void> {
    const file = this.runFile(task, runId);
    const waiting = this.#pending.get(file);
    if (waiting) {
      waiting.steps.push({ patch, fallback });
      return waiting.done;
    }
    const entry: PendingPatches = { steps: [{ patch, fallback }], done: Promise.resolve() };
    this.#pending.set(file, entry);
    entry.done = this.serial(file, async () => {
      await new Promise((resolve) => setImmediate(resolve)); // the rest of this turn's patches join
      if (this.#pending.get(file) === entry) this.#pending.delete(file);
      let next = await this.#readFile(file).catch(() => null);
      for (const step of entry.steps) next = next ? { ...next, ...step.patch } : (step.fallback ?? null);
      if (next) await this.#writeFile(task, file, next);
    });
    return entry.done;
  }

  // Writes a run ledger file (creating the task's run folder), errors typed and naming the file.
  async #writeFile(task: string, file: string, run: RunRecord): Promise<void> {
    const dir = this.runDir(task);
    await mkdir(dir, { recursive: true }).catch((error: unknown) => {
      throw storeWriteError(error, dir);
    });
    await writeFileAtomic(file, `${JSON.stringify(run, null, 2)}\n`).catch((error: unknown) => {
      throw storeWriteError(error, file);
    });
  }

  /** Reads a run record (after this process's own pending writes of it); null if absent. */
  async read(task: string, runId: string): Promise<RunRecord | null> {
    const file = this.runFile(task, runId);
    await this.#queue.get(file)?.catch(() => undefined);
    return this.#readFile(file);
  }

  async #readFile(file: string): Promise<RunRecord | null> {
    const value = await readJson(file);
    return value === null ? null : checkRunRecord(file, value);
  }

  /** The run ids of `task`'s ledger, oldest first (by run id). */
  async ids(task: string): Promise<string[]> {
    const files = await readdir(this.runDir(task)).catch(() => [] as string[]);
    return files.filter((f) => f.endsWith(JSON_EXT)).map((f) => f.slice(0, -JSON_EXT.length)).sort();
  }

  /** Deletes one run record (after this process's pending writes of it). */
  async deleteOne(task: string, runId: string): Promise<void> {
    const file = this.runFile(task, runId);
    await this.serial(file, () => rm(file, { force: true }));
  }

  /** Every readable run record of `task`, oldest first (by run id). */
  async list(task: string): Promise<RunRecord[]> {
    const ids = await this.ids(task);
    const runs = await Promise.all(ids.map((id) => this.read(task, id).catch(() => null)));
    return runs.filter((r): r is RunRecord => r !== null);
  }

  /** Removes the task's run ledger. */
  async delete(task: string): Promise<void> {
    await rm(this.runDir(task), { recursive: true, force: true });
  }
}
