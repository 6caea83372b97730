// Prefixes every output line with the ISO-8601 UTC time its first byte arrived, working on whole Buffers.

/** Byte value of `\n`: lines end there (a `\r` before it stays part of the line). */
export const NEWLINE = 0x0a;

/** What separates the time from the line: `2026-11-24T10:00:00.123Z <line>`. */
export const STAMP_SEPARATOR = ' ';

const EMPTY = Buffer.alloc(0);
const NEWLINE_BUFFER = Buffer.from([NEWLINE]);

/**
 * Stamps a byte stream line by line: each line gets one `<ISO time> ` prefix, taken from the clock when the line's
 * first byte is pushed (so a line split across chunks gets exactly one stamp, the time it started).
 *
 * Output is never held back: {@link LineStamper.push} returns every byte it was given (a partial last line
 * included, already stamped), so a live reader sees it at once; {@link LineStamper.flush} then ends a partial
 * last line with a newline. Lines end at `\n` only (`\r\n` lines keep their `\r`). Cost: one `indexOf` per line,
 * no per-byte JavaScript loop.
 *
 * @example
 * ```ts
 * const s = new LineStamper(() => Date.UTC(2026, 10, 24, 10));
 * s.push(Buffer.from('a\nb')).toString(); // '2026-11-24T10:00:00.000Z a\n2026-11-24T10:00:00.000Z b'
 * s.flush().toString();                   // '\n'
 * ```
 */
export class LineStamper {
  readonly #clock: () => number;
  // True when the next byte pushed starts a line (and so gets a stamp).
  #atLineStart = true;

  /**
   * @param clock - Current time in epoch ms.
   * @default `Date.now`
   */
  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** True while the output so far ends in the middle of a line (a later `flush()` adds the newline). */
  get midLine(): boolean {
    return !this.#atLineStart;
  }

  /** Returns `chunk` with a stamp before every line that starts in it. An empty chunk gives an empty Buffer. */
  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return EMPTY;
    const stamp = Buffer.from(new Date(this.#clock()).toISOString() + STAMP_SEPARATOR, 'latin1');
    // Start offsets of the lines that begin in this chunk: the first (if a line starts here) and one after each \n.
    const starts: number[] = this.#atLineStart ? [0] : [];
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1 && nl + 1 < chunk.length; nl = chunk.indexOf(NEWLINE, nl + 1)) {
      starts.push(nl + 1);
    }
    this.#atLineStart = chunk[chunk.length - 1] === NEWLINE;
    if (starts.length === 0) return chunk;
    const out = Buffer.allocUnsafe(chunk.length + starts.length * stamp.length);
    let from = 0;
    let at = 0;
    for (const start of starts) {
      at += chunk.copy(out, at, from, start);
      at += stamp.copy(out, at);
      from = start;
    }
    chunk.copy(out, at, from);
    return out;
  }

  /** Ends a partial last line: `\n` when the output so far stops mid-line, else an empty Buffer. */
  flush(): Buffer {
    if (this.#atLineStart) return EMPTY;
    this.#atLineStart = true;
    return NEWLINE_BUFFER;
  }
}
