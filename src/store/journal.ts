// An append-only list of changed task names, so readers reload only what changed
// instead of re-reading every record on each pass.
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { tempPathFor } from './atomic.js';
import { BatchWriter } from './batch.js';
import { storeWriteError } from './write-error.js';

/** Past this size the journal is replaced by an empty one (readers then reload everything). */
export const JOURNAL_COMPACT_BYTES = 1_048_576;
/**
 * What a journal line must look like to be taken as a task name: a letter or digit, then up to 99 characters none of
 * which is a space, a control character (NUL included), a slash or an invalid UTF-8 sequence. Anything else is the
 * rest of a torn write, skipped and counted ({@link Journal.skippedLines}).
 */
export const JOURNAL_LINE_PATTERN = /^[\p{L}\p{N}][^\s/\\\p{Cc}\uFFFD]{0,99}$/u;
const NEWLINE = 0x0a;

/** What a reader learned since its last look. */
export type JournalChanges = { kind: 'names'; names: Set<string> } | { kind: 'reset' };

/**
 * Writer and reader of `journal.log`. Every append starts on a fresh line: a line left torn by a writer killed (or out
 * of space) mid-append is ended first, so the next name is never glued to it.
 */
export class Journal {
  readonly #file: string;
  #ino = -1;
  #offset = 0;
  #skipped = 0;
  readonly #writer: BatchWriter<string>;

  constructor(file: string) {
    this.#file = file;
    this.#writer = new BatchWriter((names) => this.#write(names));
  }

  /** The journal's path. */
  get file(): string {
    return this.#file;
  }

  /** Lines this reader skipped because they were not task names (torn writes), since it was created. */
  get skippedLines(): number {
    return this.#skipped;
  }

  /**
   * Records that `name` changed; resolves once the line is on disk. Appends are coalesced. Rejects with `NoSpaceError`,
   * `ReadOnlyError` or `FolderError` naming the journal when it cannot be written.
   */
  append(name: string): Promise<void> {
    return this.#writer.push(name);
  }

  async #write(names: string[]): Promise<void> {
    let size: number;
    try {
      size = this.#appendLines(names.map((n) => `${n}\n`).join(''));
    } catch (error) {
      throw storeWriteError(error, this.#file);
    }
    // Compaction is housekeeping: a clash with another writer's compaction must not fail the append.
    if (size > JOURNAL_COMPACT_BYTES) await this.#compact().catch(() => undefined);
  }

  // Appends `text`, after a newline if the file does not end with one (a torn line); returns the size after. Synchronous
  // (five small system calls, once per batch): cheaper than five round trips to the thread pool, which the record
  // writes' fsyncs need.
  #appendLines(text: string): number {
    const fd = openSync(this.#file, 'a+');
    try {
      const { size } = fstatSync(fd);
      let prefix = '';
      if (size > 0) {
        const last = Buffer.alloc(1);
        if (readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== NEWLINE) prefix = '\n';
      }
      const data = Buffer.from(`${prefix}${text}`);
      for (let done = 0; done < data.length;) done += writeSync(fd, data, done, data.length - done);
      return size + data.length;
    } finally {
      closeSync(fd);
    }
  }

  async #compact(): Promise<void> {
    const tmp = tempPathFor(this.#file);
    try {
      await writeFile(tmp, '');
      await rename(tmp, this.#file);
    } catch (error) {
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
  }

  /** Marks everything up to now as seen (after a full reload). */
  async markSeen(): Promise<void> {
    const info = await stat(this.#file).catch(() => null);
    const usable = info?.isFile() === true;
    this.#ino = usable ? info.ino : -1;
    this.#offset = usable ? info.size : 0;
  }

  /**
   * Names written since the last call, or `reset` when the journal was replaced (or cannot be read: a full reload is
   * then always right). Lines that are not task names are skipped and counted.
   */
  async changes(): Promise<JournalChanges> {
    const info = await stat(this.#file).catch(() => null);
    if (!info) return this.#ino === -1 ? { kind: 'names', names: new Set() } : { kind: 'reset' };
    if (!info.isFile() || info.ino !== this.#ino || info.size < this.#offset) return { kind: 'reset' };
    if (info.size === this.#offset) return { kind: 'names', names: new Set() };
    const bytes = await this.#readFrom(this.#offset, info.size - this.#offset).catch(() => null);
    if (bytes === null) return { kind: 'reset' };
    const complete = bytes.lastIndexOf(NEWLINE) + 1; // a line still being appended is read next time
    this.#offset += complete;
    const names = new Set<string>();
    for (const line of bytes.subarray(0, complete).toString('utf8').split('\n')) {
      if (JOURNAL_LINE_PATTERN.test(line)) names.add(line);
      else if (line !== '') this.#skipped++;
    }
    return { kind: 'names', names };
  }

  async #readFrom(offset: number, length: number): Promise<Buffer> {
    const handle = await open(this.#file, 'r');
    try {
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
}
