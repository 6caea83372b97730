// The executor log: one human-readable line per event, shared by every process on the folder.
import { appendFileSync } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import dayjs from 'dayjs';
import { BatchWriter } from './batch.js';
import { storeWriteError } from './write-error.js';

/** The log is rotated to `executor.log.1` past this size. */
export const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
/** How many rotated logs are kept (`executor.log.1` … `.3`). */
export const LOG_KEEP_ROTATED = 3;

/** Formats a log line the way ExecutoR does: `[ 2026-11-22 12:25:00 ] message`. */
export function formatLogLine(message: string, at: Date = new Date()): string {
  return `[ ${dayjs(at).format('YYYY-MM-DD HH:mm:ss')} ] ${message.replace(/\r\n|[\r\n]/g, ' ')}`;
}

/** Appends lines to the log, coalescing bursts into one write, and rotates it by size. */
export class ExecutorLog {
  readonly #file: string;
  readonly #writer: BatchWriter<string>;
  #sizeHint = -1;

  constructor(file: string) {
    this.#file = file;
    this.#writer = new BatchWriter((lines) => this.#write(lines));
  }

  /** The log file's path. */
  get file(): string {
    return this.#file;
  }

  /** Queues a line; resolves when it is written (rejects with `NoSpaceError`, `ReadOnlyError` or `FolderError` naming the log). */
  append(line: string): Promise<void> {
    return this.#writer.push(line);
  }

  /** Resolves once every queued line is on disk. */
  flush(): Promise<void> {
    return this.#writer.flush();
  }

  async #write(lines: string[]): Promise<void> {
    const text = lines.map((l) => `${l}\n`).join('');
    try {
      appendFileSync(this.#file, text); // one small append per batch: no thread-pool round trips for the record writes to wait behind
    } catch (error) {
      throw storeWriteError(error, this.#file);
    }
    if (this.#sizeHint < 0) this.#sizeHint = (await stat(this.#file).catch(() => null))?.size ?? 0;
    else this.#sizeHint += Buffer.byteLength(text);
    if (this.#sizeHint > LOG_ROTATE_BYTES) await this.#rotate();
  }

  async #rotate(): Promise<void> {
    // Another process may have rotated already: re-check the real size first.
    const size = (await stat(this.#file).catch(() => null))?.size ?? 0;
    this.#sizeHint = size;
    if (size <= LOG_ROTATE_BYTES) return;
    for (let i = LOG_KEEP_ROTATED - 1; i >= 1; i--) await rename(`${this.#file}.${i}`, `${this.#file}.${i + 1}`).catch(() => undefined);
    await rename(this.#file, `${this.#file}.1`).catch(() => undefined);
    this.#sizeHint = 0;
  }
}
