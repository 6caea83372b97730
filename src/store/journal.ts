// An append-only list of changed task names, so readers reload only what changed
// instead of re-reading every record on each pass.
import { randomBytes } from 'node:crypto';
import { appendFile, open, rename, stat, writeFile } from 'node:fs/promises';
import { BatchWriter } from './batch.js';

/** Past this size the journal is replaced by an empty one (readers then reload everything). */
export const JOURNAL_COMPACT_BYTES = 1_048_576;
const COMPACT_RANDOM_BYTES = 4;

/** What a reader learned since its last look. */
export type JournalChanges = { kind: 'names'; names: Set<string> } | { kind: 'reset' };

/** Writer and reader of `journal.log`. */
export class Journal {
  readonly #file: string;
  #ino = -1;
  #offset = 0;
  readonly #writer: BatchWriter<string>;

  constructor(file: string) {
    this.#file = file;
    this.#writer = new BatchWriter((names) => this.#write(names));
  }

  /** Records that `name` changed; resolves once the line is on disk. Appends are coalesced. */
  append(name: string): Promise<void> {
    return this.#writer.push(name);
  }

  async #write(names: string[]): Promise<void> {
    await appendFile(this.#file, names.map((n) => `${n}\n`).join(''));
    const info = await stat(this.#file).catch(() => null);
    // Compaction is housekeeping: a clash with another writer's compaction must not fail the append.
    if (info && info.size > JOURNAL_COMPACT_BYTES) await this.#compact().catch(() => undefined);
  }

  async #compact(): Promise<void> {
    const tmp = `${this.#file}.${process.pid}.${randomBytes(COMPACT_RANDOM_BYTES).toString('hex')}.compact`;
    await writeFile(tmp, '');
    await rename(tmp, this.#file);
  }

  /** Marks everything up to now as seen (after a full reload). */
  async markSeen(): Promise<void> {
    const info = await stat(this.#file).catch(() => null);
    this.#ino = info?.ino ?? -1;
    this.#offset = info?.size ?? 0;
  }

  /** Names written since the last call, or `reset` when the journal was replaced. */
  async changes(): Promise<JournalChanges> {
    const info = await stat(this.#file).catch(() => null);
    if (!info) return this.#ino === -1 ? { kind: 'names', names: new Set() } : { kind: 'reset' };
    if (info.ino !== this.#ino || info.size < this.#offset) return { kind: 'reset' };
    if (info.size === this.#offset) return { kind: 'names', names: new Set() };
    const handle = await open(this.#file, 'r');
    try {
      const length = info.size - this.#offset;
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, this.#offset);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      const complete = text.lastIndexOf('\n') + 1; // a line still being appended is read next time
      this.#offset += Buffer.byteLength(text.slice(0, complete));
      return { kind: 'names', names: new Set(text.slice(0, complete).split('\n').filter(Boolean)) };
    } finally {
      await handle.close();
    }
  }
}
