// `tail -F` as an async iterator: new lines of a file, across truncation and across restarts
// (the file renamed away to an archive and a new one created at the same path).
import { statSync } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { InvalidOptionError } from '../errors.js';
import { checkTimerMs } from '../schedule/timer.js';
import type { AbortSignalLike } from '../signal-types.js';

/** How often the file is polled for new data, in ms. */
export const FOLLOW_POLL_MS = 100;

/** Bytes read per step; lines reach the consumer after each step. */
export const FOLLOW_READ_BYTES = 65_536;

// Byte values of "\n" and "\r".
const LF = 0x0a;
const CR = 0x0d;

/** Options of {@link followFile}. */
export interface FollowOptions {
  /**
   * Poll interval in ms (`fs.watch` is unreliable, so the file is polled): > 0 and at most `MAX_TIMER_MS` (2^31 − 1).
   * @default FOLLOW_POLL_MS (100)
   */
  pollMs?: number;
  /** Stops the iteration (it then ends with `done: true`) and closes the file promptly. */
  signal?: AbortSignalLike;
  /**
   * Start with the lines already in the file. When false, only lines appended after
   * `followFile()` returned are yielded (a file that does not exist yet is read from its start).
   * @default false
   */
  fromStart?: boolean;
  /**
   * Start after this point of the file noted earlier ({@link notePosition}): lines written after it are yielded,
   * even those written before this call. If the file was replaced meanwhile, the new one is read from its start.
   * Wins over `fromStart`.
   */
  startAt?: FilePosition;
}

/** A point in a file: its identity and a byte offset (what {@link notePosition} returns). */
export interface FilePosition { dev: number; ino: number; size: number }

/**
 * Where `file` ends now (its identity and size), or null when it does not exist: hand it to `followFile`'s `startAt`
 * to follow from there, and to `readTail`'s `end` to read the lines before it.
 * @example `const at = notePosition(file); const before = await readTail(file, 50, at?.size);`
 */
export function notePosition(file: string): FilePosition | null {
  return startPoint(file);
}

// The file currently read: its handle, identity and read position.
interface OpenFile {
  handle: FileHandle;
  dev: number;
  ino: number;
  offset: number;
}

// Identity and size of the file when following began (only new lines are wanted).
type StartPoint = FilePosition;

/**
 * Follows `file`: an async iterator of the lines appended to it, oldest first, without the
 * line ending (`\n` or `\r\n`).
 *
 * Keeps going across restarts: when the file is renamed away (archived) and a new file
 * appears at the same path, whatever remains in the old file is read first (its fd stays
 * open), then the new file from its start. A truncated file is re-read from its start; a
 * missing file is waited for. A partial line waits for its newline, except that it is
 * emitted when the iterator moves to the next file or the file is truncated.
 *
 * The file is polled every `pollMs`; the timer exists (and keeps the process alive) only
 * while a `next()` is pending. `return()` (e.g. `break` in `for await`) and `signal` stop the
 * iteration and close the file.
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * for await (const line of followFile('/srv/tasks/job.txt', { signal: ac.signal })) {
 *   if (line.includes('ready')) break;
 * }
 * ```
 */
export function followFile(file: string, opts: FollowOptions = {}): AsyncIterableIterator<string> {
  if (typeof file !== 'string' || file === '') throw new InvalidOptionError('file', 'a non-empty path', file);
  // `null` (or any non-object) is refused here, not turned into a TypeError by the first property read.
  if (typeof opts !== 'object' || opts === null || Array.isArray(opts)) throw new InvalidOptionError('options', 'an object (or undefined)', opts);
  const pollMs = checkTimerMs(opts.pollMs ?? FOLLOW_POLL_MS, 'pollMs');
  if (opts.signal !== undefined && !(opts.signal instanceof AbortSignal)) {
    throw new InvalidOptionError('signal', 'an AbortSignal', opts.signal);
  }
  const at = opts.startAt;
  if (at !== undefined && !(typeof at === 'object' && at !== null && [at.dev, at.ino, at.size].every((v) => Number.isSafeInteger(v) && v >= 0))) {
    throw new InvalidOptionError('startAt', 'a position from notePosition() ({ dev, ino, size })', at);
  }
  return new FileFollower(file, pollMs, at ?? (opts.fromStart === true ? null : startPoint(file)), opts.signal);
}

// Snapshot taken synchronously so that "new lines" means lines written after followFile() returned.
function startPoint(file: string): StartPoint | null {
  try {
    const st = statSync(file);
    return { dev: st.dev, ino: st.ino, size: st.size };
  } catch {
    return null; // missing (or unreadable: the error surfaces on the first read)
  }
}

class FileFollower implements AsyncIterableIterator<string> {
  private current: OpenFile | null = null;
  private lines: string[] = []; // complete lines not yet handed out, from index `head`
  private head = 0;
  private partial: Buffer[] = []; // bytes of a line whose newline has not arrived yet
  private stopped = false;
  private queue: Promise<unknown> = Promise.resolve(); // serializes next() calls
  private wake: (() => void) | null = null; // ends the current poll wait early
  private readonly onAbort = (): void => void this.stop().catch(() => undefined);

  constructor(
    private readonly file: string,
    private readonly pollMs: number,
    private start: StartPoint | null,
    private readonly signal: AbortSignalLike | undefined,
  ) {
    if (signal?.aborted) this.stopped = true;
    else signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<string> {
    return this;
  }

  next(): Promise<IteratorResult<string, undefined>> {
    const result = this.queue.then(() => this.pull());
    this.queue = result.catch(() => undefined);
    return result;
  }

  async return(): Promise<IteratorResult<string, undefined>> {
    await this.stop();
    return { value: undefined, done: true };
  }

  private async pull(): Promise<IteratorResult<string, undefined>> {
    try {
      for (;;) {
        if (this.stopped) return { value: undefined, done: true };
        const line = this.shiftLine();
        if (line !== undefined) return { value: line, done: false };
        if (!(await this.step()) && !this.stopped) await this.sleep();
      }
    } catch (error) {
      // A failed read ends the iteration: for-await does not call return() after a throw.
      this.markStopped();
      await this.closeCurrent();
      throw error;
    }
  }

  // One unit of work: open the file, read one chunk, or leave a replaced file. True if it made progress.
  private async step(): Promise<boolean> {
    if (!this.current) {
      this.current = await this.openFile();
      return this.current !== null;
    }
    const cur = this.current;
    const atPath = await statOrNull(this.file); // before reading, so nothing written to the old file is skipped
    if (this.stopped) return false;
    if (await this.readChunk(cur)) return true;
    if (this.stopped || !atPath || (atPath.ino === cur.ino && atPath.dev === cur.dev)) return false;
    // Replaced (a restart archived the old file): the old one is drained, move on to the new one.
    this.flushPartial();
    await this.closeCurrent();
    return true;
  }

  private async openFile(): Promise<OpenFile | null> {
    let handle: FileHandle;
    try {
      handle = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const st = await handle.stat();
      const start = this.start;
      this.start = null; // only the file that existed when following began is skipped over
      const offset = start && start.ino === st.ino && start.dev === st.dev ? Math.min(start.size, st.size) : 0;
      return { handle, dev: st.dev, ino: st.ino, offset };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  // Reads up to FOLLOW_READ_BYTES at the file's offset; true if any bytes arrived.
  private async readChunk(cur: OpenFile): Promise<boolean> {
    const { size } = await cur.handle.stat();
    if (size < cur.offset) {
      this.flushPartial(); // truncated: start over
      cur.offset = 0;
    }
    if (size === cur.offset || this.stopped) return false;
    const buffer = Buffer.allocUnsafe(Math.min(FOLLOW_READ_BYTES, size - cur.offset));
    const { bytesRead } = await cur.handle.read(buffer, 0, buffer.length, cur.offset);
    if (bytesRead === 0) return false;
    cur.offset += bytesRead;
    this.ingest(buffer.subarray(0, bytesRead));
    return true;
  }

  // Splits bytes into lines; "\n" never occurs inside a UTF-8 sequence, so decoding whole lines is safe.
  private ingest(data: Buffer): void {
    let from = 0;
    for (let nl = data.indexOf(LF); nl >= 0; nl = data.indexOf(LF, from)) {
      this.partial.push(data.subarray(from, nl));
      this.emitPartial();
      from = nl + 1;
    }
    // Copy the tail so that a short pending line does not pin the whole read buffer.
    if (from < data.length) this.partial.push(Buffer.from(data.subarray(from)));
  }

  private flushPartial(): void {
    if (this.partial.length > 0) this.emitPartial();
  }

  private emitPartial(): void {
    const bytes = this.partial.length === 1 ? (this.partial[0] as Buffer) : Buffer.concat(this.partial);
    this.partial = [];
    const end = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    this.lines.push(bytes.toString('utf8', 0, end));
  }

  private shiftLine(): string | undefined {
    if (this.head >= this.lines.length) return undefined;
    const line = this.lines[this.head++];
    if (this.head === this.lines.length) {
      this.lines = [];
      this.head = 0;
    }
    return line;
  }

  // Waits pollMs, or less if stopped; the timer exists only while a next() is pending.
  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, this.pollMs);
      this.wake = done;
    });
  }

  private markStopped(): void {
    if (!this.stopped) {
      this.stopped = true;
      this.signal?.removeEventListener('abort', this.onAbort);
      this.lines = [];
      this.head = 0;
      this.partial = [];
    }
    this.wake?.();
  }

  private async stop(): Promise<void> {
    this.markStopped();
    await this.queue; // a pending next() sees `stopped` after its current fs call and settles
    await this.closeCurrent();
  }

  private async closeCurrent(): Promise<void> {
    const cur = this.current;
    this.current = null;
    await cur?.handle.close();
  }
}

async function statOrNull(file: string): Promise<{ dev: number; ino: number } | null> {
  try {
    return await stat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
