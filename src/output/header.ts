// The header written at the top of a run's output and the footer appended when it ends (pure formatting).

/** Every header and footer line starts with this. */
export const HEADER_LINE_PREFIX = '# ';
/** First line of a header block (so readers can recognise and skip it). */
export const HEADER_BEGIN = '# ---- executor-sdk run ----';
/** Last line of a header block. */
export const HEADER_END = '# ---- output ----';
/** First line of a footer block; the footer is exactly {@link FOOTER_LINES} lines. */
export const FOOTER_BEGIN = '# ---- executor-sdk run end ----';
/** Lines in a footer block (begin, exit, ended). */
export const FOOTER_LINES = 3;
/** Most lines a header block can have (begin, 9 `# key: value` lines with the padding line, end). */
export const HEADER_MAX_LINES = 12;

/**
 * In fd mode the shim pads the header so that it ends at a multiple of this many bytes, and the child's first byte
 * (the output file is new) lands at a page-aligned offset. See {@link padHeader}.
 */
export const HEADER_ALIGN_BYTES = 4096;
/**
 * The padding line, the last line before {@link HEADER_END}: this prefix, then spaces. No NULs or other junk: a
 * `# key: value` line whose value is blank, which `tail`, `less` and `cat` show as blank space (wrapped when long).
 */
export const HEADER_PAD_PREFIX = '# padding: ';

/**
 * Stands for the run's pid in a header: the pid is only known once the shim runs, so the shim (fd mode) or the
 * writer process (writer mode) replaces the first occurrence with it. Only `@`, letters and `_`, so it is a
 * literal in a POSIX shell pattern, and it cannot occur in a task name or run id.
 */
export const HEADER_PID_TOKEN = '@@EXECUTOR_PID@@';

/** Milliseconds per second, for durations. */
export const MS_PER_SECOND = 1000;
/** Decimals of a duration in seconds. */
export const DURATION_DECIMALS = 3;

/** What the header of a run shows. Times are ISO strings or epoch ms; `null` fields are left out. */
export interface HeaderInfo {
  /** Task name. */
  task: string;
  /** Run id. */
  runId: string;
  /** What started the run, e.g. `manual`, `schedule`, `restart`, `catch-up`. */
  trigger: string;
  /** The date shown as `at …` after the trigger (a `runTask` trigger date, else the run's start time); null leaves it out. */
  triggerTime: string | number | null;
  /** The schedule slot the run is for, when scheduled. */
  scheduledFor: string | number | null;
  /** Host name. */
  host: string;
  /** User the run runs as. */
  user: string;
  /** Interpreter line, e.g. `/usr/bin/node (.js)` (the command and the extension or name it was chosen by), or null for a script run directly. */
  interpreter: string | null;
  /** The full argv run (interpreter, script, args). */
  command: readonly string[];
  /** The script, as given to the task. */
  script: string;
  /** Start time of the run. */
  startedAt: string | number;
}

/** What the footer of a run shows. */
export interface FooterInfo {
  /** Exit code, or null when the run died by a signal or the status is unknown. */
  exitCode: number | null;
  /** Signal that ended the run, or null. */
  signal: string | null;
  /** True when the run was stopped because it ran past its timeout. */
  timedOut: boolean;
  /** True when how the run ended could not be known. */
  exitUnknown: boolean;
  /** Run time in ms. */
  durationMs: number;
  /** End time of the run. */
  endedAt: string | number;
}

// An argv word that reads the same unquoted in a shell.
const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
// Control characters (C0, DEL, C1), which would break a header line or the terminal.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;

// One line of text: control characters as JSON-style escapes (`\n`, `\u001b`).
function oneLine(text: string): string {
  return text.replace(CONTROL_CHARS, (ch) => JSON.stringify(ch).slice(1, -1));
}

// A time as ISO, from an ISO string (kept as given) or epoch ms.
function isoOf(time: string | number): string {
  return typeof time === 'number' ? new Date(time).toISOString() : oneLine(time);
}

/** Renders an argv as one line, quoting (JSON-style) every word that is not plain. */
export function formatCommand(argv: readonly string[]): string {
  return argv.map((word) => (PLAIN_WORD.test(word) ? word : JSON.stringify(word))).join(' ');
}

const line = (key: string, value: string): string => `${HEADER_LINE_PREFIX}${key}: ${value}\n`;

/**
 * The header of a run: short `# key: value` lines between {@link HEADER_BEGIN} and {@link HEADER_END}, newline-terminated,
 * with {@link HEADER_PID_TOKEN} in the `pid` line (placed before any user-supplied text, so the first occurrence is always ours).
 *
 * @example
 * ```ts
 * formatHeader({ task: 'job', runId: 'r1', trigger: 'manual', triggerTime: null, scheduledFor: null, host: 'box',
 *   user: 'me', interpreter: 'node', command: ['node', '/srv/job.js'], script: 'job.js', startedAt: 0 });
 * // # ---- executor-sdk run ----
 * // # task: job
 * // # run: r1
 * // # pid: @@EXECUTOR_PID@@
 * // # trigger: manual
 * // # started: 1970-01-01T00:00:00.000Z
 * // # host: box  user: me
 * // # interpreter: node
 * // # script: job.js
 * // # command: node /srv/job.js
 * // # ---- output ----
 * ```
 */
export function formatHeader(info: HeaderInfo): string {
  let trigger = oneLine(info.trigger);
  if (info.triggerTime !== null) trigger += ` at ${isoOf(info.triggerTime)}`;
  if (info.scheduledFor !== null) trigger += `, scheduled for ${isoOf(info.scheduledFor)}`;
  return [
    `${HEADER_BEGIN}\n`,
    line('task', oneLine(info.task)),
    line('run', oneLine(info.runId)),
    line('pid', HEADER_PID_TOKEN),
    line('trigger', trigger),
    line('started', isoOf(info.startedAt)),
    line('host', `${oneLine(info.host)}  user: ${oneLine(info.user)}`),
    info.interpreter === null ? '' : line('interpreter', oneLine(info.interpreter)),
    line('script', oneLine(info.script)),
    line('command', formatCommand(info.command)),
    `${HEADER_END}\n`,
  ].join('');
}

/**
 * The footer of a run: {@link FOOTER_BEGIN}, `# exit: …` and `# ended: … after … s`, newline-terminated. The caller appends it to the
 * output after the run (and its writers) are done, adding a `\n` first if the output does not end with one.
 *
 * @example
 * ```ts
 * formatFooter({ exitCode: null, signal: 'SIGTERM', timedOut: true, exitUnknown: false, durationMs: 1500, endedAt: 0 });
 * // # ---- executor-sdk run end ----
 * // # exit: signal SIGTERM (timed out)
 * // # ended: 1970-01-01T00:00:00.000Z after 1.500 s
 * ```
 */
export function formatFooter(info: FooterInfo): string {
  let exit: string;
  if (info.exitUnknown || (info.exitCode === null && info.signal === null)) exit = 'unknown';
  else exit = info.signal !== null ? `signal ${oneLine(info.signal)}` : `code ${info.exitCode}`;
  if (info.timedOut) exit += ' (timed out)';
  const seconds = (Math.max(0, info.durationMs) / MS_PER_SECOND).toFixed(DURATION_DECIMALS);
  return `${FOOTER_BEGIN}\n${line('exit', exit)}${line('ended', `${isoOf(info.endedAt)} after ${seconds} s`)}`;
}

/** The header's last line with its newline: the padding line goes just before it. */
export const HEADER_END_LINE = `${HEADER_END}\n`;
/** Bytes a padding line adds besides its spaces: {@link HEADER_PAD_PREFIX} and its newline. */
export const HEADER_PAD_FIXED_BYTES = HEADER_PAD_PREFIX.length + 1;

/**
 * The spaces a padding line needs so that a header of `bytes` bytes (without padding) ends at a multiple of `align`
 * once the padding line is added: a header longer than `align` is padded to the next multiple.
 * @example `headerPadSpaces(341) // 3743: 341 + 11 + 3743 + 1 = 4096`
 */
export function headerPadSpaces(bytes: number, align: number = HEADER_ALIGN_BYTES): number {
  return (align - ((bytes + HEADER_PAD_FIXED_BYTES) % align)) % align;
}

/**
 * The header with its padding line (spaces) before {@link HEADER_END}, ending at a multiple of `align` bytes (UTF-8);
 * text that does not end with {@link HEADER_END_LINE} is returned as it is. Pads a header whose pid is already filled
 * in: the fd-mode shim does the same in `sh` (see `HEADER_SHIM_SCRIPT`), once it knows its pid.
 *
 * @example
 * ```ts
 * const padded = padHeader(formatHeader(info).replace(HEADER_PID_TOKEN, '4242'));
 * Buffer.byteLength(padded) % 4096; // 0
 * ```
 */
export function padHeader(header: string, align: number = HEADER_ALIGN_BYTES): string {
  if (!header.endsWith(HEADER_END_LINE)) return header;
  const body = header.slice(0, -HEADER_END_LINE.length);
  const spaces = headerPadSpaces(Buffer.byteLength(body) + HEADER_END_LINE.length, align);
  return `${body}${HEADER_PAD_PREFIX}${' '.repeat(spaces)}\n${HEADER_END_LINE}`;
}

/** Drops a leading header block (when `lines` starts at the top of the file) and a trailing footer block. */
export function stripRunBlocks(lines: string[], fromFileStart: boolean): string[] {
  let out = lines;
  const footerAt = out.length - FOOTER_LINES;
  if (footerAt >= 0 && out[footerAt] === FOOTER_BEGIN) out = out.slice(0, footerAt);
  if (fromFileStart && out[0] === HEADER_BEGIN) {
    const end = out.indexOf(HEADER_END);
    if (end >= 0 && end < HEADER_MAX_LINES) out = out.slice(end + 1);
  }
  return out;
}

/** A line filter for followers: false for the lines of header and footer blocks. */
export function runBlockFilter(): (line: string) => boolean {
  let skipping = 0;
  let inHeader = false;
  return (text) => {
    if (inHeader) { if (text === HEADER_END) inHeader = false; return false; }
    if (skipping > 0) { skipping--; return false; }
    if (text === HEADER_BEGIN) { inHeader = true; return false; }
    if (text === FOOTER_BEGIN) { skipping = FOOTER_LINES - 1; return false; }
    return true;
  };
}

/**
 * The run id in the header a file starts with, or null (no header: `header: false`, or not written yet).
 * @example `headerRunId('# ---- executor-sdk run ----\n# task: job\n# run: r1\n') // 'r1'`
 */
export function headerRunId(start: string): string | null {
  const lines = start.split('\n', HEADER_MAX_LINES);
  if (lines[0] !== HEADER_BEGIN) return null;
  const prefix = `${HEADER_LINE_PREFIX}run: `;
  const found = lines.find((l) => l.startsWith(prefix));
  return found === undefined ? null : found.slice(prefix.length);
}
