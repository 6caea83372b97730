// A task's "last decisions" for the dashboard: what the executor decided about it (started, restarted after a backoff,
// skipped, queued, timed out, killed over maxMemory…), read back from the executor log, which every process on the
// folder writes and which survives restarts. The pure part (line shapes → decisions) comes first; the file part after.
import { InvalidOptionError } from '../errors.js';
import { errnoOf, FolderError } from '../fs-errors.js';
import { assertTaskName } from '../task/name.js';

/** What kind of decision a log line records. */
export type DecisionKind =
  | 'started' | 'restarted' | 'backoff' | 'gave-up' | 'skipped' | 'queued' | 'timeout' | 'memory'
  | 'stopped' | 'exited' | 'cancelled' | 'replaced' | 'event' | 'other';

/** One decision about a task, from one executor-log line. */
export interface Decision {
  /** When, as written in the log: `'YYYY-MM-DD HH:mm:ss'`, local time. */
  time: string;
  /** What kind of decision. */
  kind: DecisionKind;
  /** The log message, without its time prefix. */
  text: string;
}

/** How many decisions {@link taskDecisions} and {@link readTaskDecisions} return at most, by default. */
export const DEFAULT_DECISIONS = 50;

// A task name inside a line (the grammar of TASK_NAME_PATTERN, unbounded: the exact comparison decides).
const N = '(?<name>[A-Za-z0-9][A-Za-z0-9._-]*)';
const LINE = /^\[ (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) \] (.*)$/;

/** A known line shape: the regex finds the task name(s); `kind` is null for lines about the task that are no decision. */
interface Shape { re: RegExp; kind: DecisionKind | null | ((m: RegExpExecArray) => DecisionKind) }

const START_KINDS: Readonly<Record<string, DecisionKind>> = {
  Starting: 'started', 'Running scheduled': 'started', 'Catching up': 'started', Restarting: 'restarted',
};

// Checked in order, first match wins: the specific shapes before the general ones they resemble.
const SHAPES: readonly Shape[] = [
  // Program steps belong to the run page; the run's start and exit lines are the task's decisions.
  { re: new RegExp(`^Starting step \\S+ of ${N} \\(run \\S+, (?:first attempt|attempt \\d+), pid: \\d+\\)$`), kind: null },
  { re: new RegExp(`^Step \\S+ of ${N} \\(run \\S+\\) `), kind: null },
  // kill.ts
  { re: new RegExp(`^Restarting ${N} \\(run \\S+\\): memory \\d+ bytes over maxMemory \\d+ bytes$`), kind: 'memory' },
  { re: new RegExp(`^Timed out: ${N} \\(run \\S+\\) after `), kind: 'timeout' },
  // announce.ts
  { re: new RegExp(`^(?<verb>Starting|Restarting|Catching up|Running scheduled) ${N} .+ \\(pid: \\d+(?:, extra run)?\\)$`), kind: (m) => START_KINDS[m.groups!.verb!]! },
  // steps.ts
  { re: new RegExp(`^Queued a run of ${N} \\((?:concurrency|overlap|catch-up|replace)(?:, slot \\S+)?\\)`), kind: 'queued' },
  { re: new RegExp(`^Handed a run of ${N} to the hosts`), kind: 'queued' }, // cluster mode: a client's runTask
  { re: new RegExp(`^Restart policy for ${N}: .*; restarting (?<when>now|in .+)$`), kind: (m) => (m.groups!.when === 'now' ? 'restarted' : 'backoff') },
  { re: new RegExp(`^Giving up on ${N}: `), kind: 'gave-up' },
  { re: new RegExp(`^Warning: Giving up restarting ${N}: `), kind: null }, // the same decision as "Giving up on"
  { re: new RegExp(`^Warning: Could not start ${N}: `), kind: 'gave-up' },
  // schedule-step.ts (and steps.ts: a queued run of a disabled task)
  { re: new RegExp(`^Skipping \\d+ missed run\\(s\\) of ${N} \\(catchUp: [\\w-]+\\)$`), kind: 'skipped' },
  { re: new RegExp(`^Skipping the \\S+ run of ${N}: `), kind: 'skipped' },
  { re: new RegExp(`^Replacing the live run \\S+ of ${N} \\(overlap: replace\\)$`), kind: 'replaced' },
  // close.ts, cancel.ts, stop.ts, reaper.ts
  { re: new RegExp(`^Exited ${N} \\(run \\S+\\) `), kind: 'exited' },
  { re: new RegExp(`^Cancelled the queued run \\S+ of ${N}$`), kind: 'cancelled' },
  { re: new RegExp(`^Cancelling run \\S+ of ${N} \\(pid: \\d+\\)$`), kind: 'cancelled' },
  { re: new RegExp(`^Stopping what ${N} \\(run \\S+\\) left running `), kind: 'stopped' },
  { re: new RegExp(`^Stopping ${N}$`), kind: 'stopped' },
  // event/emit.ts, event/inbox.ts: the names are a comma-separated list
  { re: /^Event \S+ \(\S+\) for (?<names>[A-Za-z0-9._-]+(?:, [A-Za-z0-9._-]+)*)$/, kind: 'event' },
  { re: new RegExp(`^Event \\S+ \\(\\S+\\): ${N} is (?:no longer subscribed|disabled); no run$`), kind: 'event' },
  // Everything else said about the task: adopt.ts, task/lifecycle.ts, task/enable.ts, run/save.ts, alerts, warnings.
  { re: new RegExp(`^Adopted ${N} \\(run \\S+, pid \\d+\\): `), kind: 'other' },
  { re: new RegExp(`^(?:Adding|Replacing) ${N} `), kind: 'other' },
  { re: new RegExp(`^(?:Removing|Enabling|Disabling|Scheduled:|Already running:) ${N}$`), kind: 'other' },
  { re: new RegExp(`^Saved run \\S+ of ${N} as `), kind: 'other' },
  { re: new RegExp(`^Alert \\S+ for ${N}(?:: | rate-limited \\()`), kind: 'other' },
  { re: new RegExp(`^Error while reconciling ${N}: `), kind: 'other' },
  { re: new RegExp(`^Warning: Skipping task ${N}: `), kind: 'other' },
  { re: new RegExp(`^Warning: Skipping ${N} because a task named `), kind: 'other' },
  { re: new RegExp(`^Warning: Orphaned run \\S+ of ${N}: `), kind: 'other' },
  { re: new RegExp(`^Warning: ${N}(?:'s schedule will not fire| is due for a restart, but nothing will restart it): `), kind: 'other' },
];

function namesOf(m: RegExpExecArray): string[] {
  const { name, names } = m.groups ?? {};
  return names !== undefined ? names.split(', ') : name !== undefined ? [name] : [];
}

/**
 * The decision one executor-log line records about task `name`, or null: a line of another shape, about another
 * task (`a` is not `ab` nor `a.b`), or about the task but no decision (a program's step lines). No validation: see
 * {@link taskDecisions}.
 *
 * @example
 * ```ts
 * decisionOf('[ 2026-11-24 07:02:41 ] Restart policy for crash: crashed after 992 ms (2nd fast failure in a row); restarting in 488 ms', 'crash');
 * // { time: '2026-11-24 07:02:41', kind: 'backoff', text: 'Restart policy for crash: crashed after 992 ms (2nd …); restarting in 488 ms' }
 * ```
 */
export function decisionOf(line: string, name: string): Decision | null {
  if (!line.includes(name)) return null; // most lines are about other tasks: skip the regexes
  const parts = LINE.exec(line);
  if (!parts) return null;
  const [, time, text] = parts as unknown as [string, string, string];
  for (const shape of SHAPES) {
    const m = shape.re.exec(text);
    if (!m) continue;
    if (shape.kind === null || !namesOf(m).includes(name)) return null;
    return { time, kind: typeof shape.kind === 'function' ? shape.kind(m) : shape.kind, text };
  }
  return null;
}

function checkLimit(limit: unknown): asserts limit is number {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) throw new InvalidOptionError('limit', 'a non-negative integer', limit);
}

/**
 * The decisions about task `name` in executor-log lines (oldest first, as in the file), newest first, at most `limit`:
 * the last `limit` written, in the reverse of the order they were written (the log's order, whatever clock stamped
 * them). Pure: no I/O. Recognised: starts, restarts and their backoff, give-ups, skipped slots (overlap, missed with
 * `catchUp`, a disabled task), queued runs and what they wait for (`concurrency`, `maxConcurrent`, overlap), timeouts,
 * memory kills, stops, exits, cancels, replaces, events, and other lines naming the task (kind `other`).
 *
 * @param lines - Executor-log lines, `[ YYYY-MM-DD HH:mm:ss ] message` (`formatLogLine`); others are ignored.
 * @param name - The task; matched as an exact name, never as part of another one.
 * @param limit - At most this many decisions. @defaultValue 50
 * @throws InvalidOptionError (`ERR_INVALID_OPTION`) when `lines` is not an array of strings or `limit` not an integer >= 0;
 * InvalidTaskNameError when `name` is not a task name.
 * @example
 * ```ts
 * taskDecisions(await ex.readLog(), 'web', 10);
 * // [{ time: '2026-11-24 07:02:42', kind: 'restarted', text: 'Restarting web server.js (pid: 4242)' }, …]
 * ```
 */
export function taskDecisions(lines: readonly string[], name: string, limit: number = DEFAULT_DECISIONS): Decision[] {
  if (!Array.isArray(lines)) throw new InvalidOptionError('lines', 'an array of executor-log lines', lines);
  const bad = lines.findIndex((l) => typeof l !== 'string');
  if (bad >= 0) throw new InvalidOptionError(`lines[${bad}]`, 'an executor-log line (a string)', lines[bad]);
  assertTaskName(name);
  checkLimit(limit);
  const out: Decision[] = [];
  for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
    const decision = decisionOf(lines[i]!, name);
    if (decision) out.push(decision);
  }
  return out;
}

// ---- The file part: the log on disk, read from its end. ----

/** Bytes read at a time from the end of a log file. */
export const DECISIONS_CHUNK_BYTES = 64 * 1024;

function readError(error: unknown, file: string): unknown {
  const code = errnoOf(error);
  if (code === 'EISDIR') return new FolderError(file, 'a folder where the executor log should be (EISDIR): remove or rename it', error);
  if (code === 'EACCES' || code === 'EPERM') return new FolderError(file, `an executor log this process may not read (${code})`, error);
  if (code !== null) return new FolderError(file, `an executor log that cannot be read (${code})`, error);
  return error;
}

// The lines of `file`, last first (a missing file has none). Lines split on the "\n" byte, so UTF-8 stays whole.
async function* linesBackward(file: string): AsyncGenerator<string> {
  const { open } = await import('node:fs/promises'); // not at the top: the pure part stays importable anywhere
  const handle = await open(file, 'r').catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return null;
    throw readError(error, file);
  });
  if (!handle) return;
  try {
    let pos = (await handle.stat()).size;
    let carry = Buffer.alloc(0); // the start of a line whose beginning is further back
    while (pos > 0) {
      const length = Math.min(DECISIONS_CHUNK_BYTES, pos);
      pos -= length;
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await handle.read(chunk, 0, length, pos);
      const buffer = Buffer.concat([chunk.subarray(0, bytesRead), carry]);
      if (buffer.length === 0) break;
      let end = buffer.length;
      for (let nl = buffer.lastIndexOf(10, end - 1); nl >= 0; nl = buffer.lastIndexOf(10, end - 1)) {
        if (nl + 1 < end) yield buffer.toString('utf8', nl + 1, end);
        end = nl;
        if (end === 0) break;
      }
      carry = buffer.subarray(0, end);
    }
    if (carry.length > 0) yield carry.toString('utf8');
  } catch (error) {
    throw readError(error, file);
  } finally {
    await handle.close();
  }
}

/**
 * The decisions about task `name` in the executor log `logFile` and its rotated `logFile.1`, newest first, at most
 * `limit` (see {@link taskDecisions}). Reads from the end of the files and stops once it has `limit`. The log is on
 * disk, so the list survives a restart of the dashboard and of the supervisor.
 *
 * @param logFile - The executor log, e.g. `<folder>/executor.log` (a missing file has no decisions).
 * @param name - The task.
 * @param limit - At most this many decisions. @defaultValue 50
 * @throws InvalidOptionError for a bad `logFile` or `limit`, InvalidTaskNameError for a bad `name`, FolderError
 * (`ERR_FOLDER`, naming the file) when a log cannot be read (a folder in its place, no permission).
 * @example
 * ```ts
 * const decisions = await readTaskDecisions(path.join(ex.folder, 'executor.log'), 'web');
 * decisions.filter((d) => d.kind === 'backoff'); // the restarts that waited, with their delay in `text`
 * ```
 */
export async function readTaskDecisions(logFile: string, name: string, limit: number = DEFAULT_DECISIONS): Promise<Decision[]> {
  if (typeof logFile !== 'string' || logFile === '' || logFile.includes('\0')) throw new InvalidOptionError('logFile', 'the path of an executor log', logFile);
  assertTaskName(name);
  checkLimit(limit);
  const out: Decision[] = [];
  for (const file of [logFile, `${logFile}.1`]) {
    if (out.length >= limit) break;
    for await (const line of linesBackward(file)) {
      const decision = decisionOf(line, name);
      if (decision) out.push(decision);
      if (out.length >= limit) break;
    }
  }
  return out;
}
