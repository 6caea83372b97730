// Names of a task's output files: the current `<task>.txt` and archives `<task>_<YYYYMMDD-HHmmss>[-<seq>].txt`.
import dayjs from 'dayjs';
import utc from 'dayjs/plugin/utc.js';
import { InvalidOptionError } from '../errors.js';
import { assertTaskName } from '../task/name.js';

dayjs.extend(utc);

/** Extension of every output file, current or archived. */
export const OUTPUT_FILE_EXTENSION = '.txt';

/** dayjs format of an archive stamp (always rendered in UTC). */
export const ARCHIVE_STAMP_FORMAT = 'YYYYMMDD-HHmmss';

/** Latest epoch (ms) whose stamp still has a 4-digit year: 9999-12-31T23:59:59.999Z. */
export const MAX_ARCHIVE_EPOCH_MS = 253_402_300_799_999;

/** Highest sequence number tried by {@link archiveFileName} before it gives up. */
export const MAX_ARCHIVE_SEQ = 100_000;

/** Sequence number of an archive whose name has no `-<seq>` suffix. */
export const FIRST_ARCHIVE_SEQ = 1;

// `<stamp>` or `<stamp>-<seq>` where seq >= 2 has no leading zero, then the extension.
const ARCHIVE_SUFFIX = /^(\d{8}-\d{6})(?:-([2-9]|[1-9]\d+))?\.txt$/;
// Year, month, day, hour, minute, second of a stamp.
const STAMP_PARTS = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/;

/** An archive file name split into its parts, see {@link parseArchiveFileName}. */
export interface ArchiveName {
  /** The run's start time, `YYYYMMDD-HHmmss` in UTC. */
  stamp: string;
  /** 1 for `<task>_<stamp>.txt`, n for `<task>_<stamp>-<n>.txt`. */
  seq: number;
}

/**
 * Formats an epoch as an archive stamp, `YYYYMMDD-HHmmss` in UTC (milliseconds are dropped).
 *
 * @example
 * ```ts
 * archiveStamp(Date.UTC(2026, 0, 2, 3, 4, 5)); // '20260102-030405'
 * ```
 */
export function archiveStamp(epochMs: number): string {
  if (typeof epochMs !== 'number' || !Number.isFinite(epochMs) || epochMs < 0 || epochMs > MAX_ARCHIVE_EPOCH_MS) {
    throw new InvalidOptionError('epochMs', `an epoch in ms between 0 and ${MAX_ARCHIVE_EPOCH_MS}`, epochMs);
  }
  return dayjs.utc(Math.floor(epochMs)).format(ARCHIVE_STAMP_FORMAT);
}

/**
 * The file name a task's current output is archived under when a new run starts:
 * `<task>_<stamp>.txt`, or `<task>_<stamp>-2.txt`, `-3`, … while `taken(name)` is true
 * (two runs started within the same second).
 *
 * @param task - A valid task name (throws `InvalidTaskNameError` otherwise).
 * @param startedAtMs - Start time of the run whose output is archived, epoch ms.
 * @param taken - Whether a file name is already in use, e.g. `(f) => fs.existsSync(path.join(dir, f))`.
 * @example
 * ```ts
 * archiveFileName('job', Date.UTC(2026, 0, 2, 3, 4, 5), () => false); // 'job_20260102-030405.txt'
 * ```
 */
export function archiveFileName(task: string, startedAtMs: number, taken: (fileName: string) => boolean): string {
  assertTaskName(task);
  if (typeof taken !== 'function') throw new InvalidOptionError('taken', 'a function', taken);
  const base = `${task}_${archiveStamp(startedAtMs)}`;
  let name = `${base}${OUTPUT_FILE_EXTENSION}`;
  for (let seq = FIRST_ARCHIVE_SEQ + 1; taken(name); seq++) {
    if (seq > MAX_ARCHIVE_SEQ) {
      throw new InvalidOptionError('taken', `a predicate that frees a name within ${MAX_ARCHIVE_SEQ} tries`, name);
    }
    name = `${base}-${seq}${OUTPUT_FILE_EXTENSION}`;
  }
  return name;
}

/**
 * Inverse of {@link archiveFileName}: the stamp and sequence number of an archive of exactly
 * this task, or `null` for any other file name (another task's archive, the current output, junk).
 *
 * @example
 * ```ts
 * parseArchiveFileName('job', 'job_20260102-030405-2.txt'); // { stamp: '20260102-030405', seq: 2 }
 * parseArchiveFileName('job', 'job.txt');                   // null
 * ```
 */
export function parseArchiveFileName(task: string, fileName: string): ArchiveName | null {
  assertTaskName(task);
  if (typeof fileName !== 'string' || !fileName.startsWith(`${task}_`)) return null;
  const match = ARCHIVE_SUFFIX.exec(fileName.slice(task.length + 1));
  if (!match) return null;
  const stamp = match[1] as string;
  if (!isRealStamp(stamp)) return null;
  const seq = match[2] === undefined ? FIRST_ARCHIVE_SEQ : Number(match[2]);
  return seq <= MAX_ARCHIVE_SEQ ? { stamp, seq } : null;
}

/**
 * Orders archives oldest -> newest, by stamp then by sequence number.
 * Plain string order of file names is wrong (`-2.txt` sorts before `.txt`, `-10` before `-2`).
 *
 * @example
 * ```ts
 * names.map((f) => parseArchiveFileName('job', f)).filter((a) => a !== null).sort(compareArchives);
 * ```
 */
export function compareArchives(a: ArchiveName, b: ArchiveName): number {
  if (a.stamp !== b.stamp) return a.stamp < b.stamp ? -1 : 1;
  return a.seq - b.seq;
}

/**
 * File name of a task's current (latest run's) output.
 *
 * @example
 * ```ts
 * currentOutputFileName('job'); // 'job.txt'
 * ```
 */
export function currentOutputFileName(task: string): string {
  assertTaskName(task);
  return `${task}${OUTPUT_FILE_EXTENSION}`;
}

// True when the stamp names a real UTC instant (rejects e.g. month 13 or 25 o'clock).
function isRealStamp(stamp: string): boolean {
  const parts = STAMP_PARTS.exec(stamp)?.slice(1).map(Number);
  if (parts?.length !== 6) return false;
  const [y, mo, d, h, mi, s] = parts as [number, number, number, number, number, number];
  // Date.UTC maps years 0-99 to 19xx; such stamps then fail the round trip below, as they should.
  const epochMs = Date.UTC(y, mo - 1, d, h, mi, s);
  return epochMs >= 0 && epochMs <= MAX_ARCHIVE_EPOCH_MS && archiveStamp(epochMs) === stamp;
}

/** Extension of a separate stderr file, current or archived: `<task>.err.txt`, `<task>_<stamp>[-<seq>].err.txt`. */
export const ERROR_FILE_EXTENSION = '.err.txt';

/**
 * File name of a task's current separate stderr output.
 *
 * @example
 * ```ts
 * currentErrorFileName('job'); // 'job.err.txt'
 * ```
 */
export function currentErrorFileName(task: string): string {
  assertTaskName(task);
  return `${task}${ERROR_FILE_EXTENSION}`;
}

/**
 * The stderr companion of an output file name (current or archive): `X.txt` -> `X.err.txt`.
 *
 * @throws {InvalidOptionError} when the name does not end in `.txt`, or already is a stderr file name.
 * @example
 * ```ts
 * errorFileOf('job_20260102-030405-2.txt'); // 'job_20260102-030405-2.err.txt'
 * ```
 */
export function errorFileOf(outputFileName: string): string {
  if (typeof outputFileName !== 'string' || !outputFileName.endsWith(OUTPUT_FILE_EXTENSION) || outputFileName.endsWith(ERROR_FILE_EXTENSION)) {
    throw new InvalidOptionError('outputFileName', `a file name ending in "${OUTPUT_FILE_EXTENSION}" (not "${ERROR_FILE_EXTENSION}")`, outputFileName);
  }
  return `${outputFileName.slice(0, -OUTPUT_FILE_EXTENSION.length)}${ERROR_FILE_EXTENSION}`;
}

/**
 * Like {@link parseArchiveFileName}, for a stderr archive `<task>_<stamp>[-<seq>].err.txt`; null for anything else
 * (plain archives included).
 *
 * @example
 * ```ts
 * parseErrorArchiveFileName('job', 'job_20260102-030405.err.txt'); // { stamp: '20260102-030405', seq: 1 }
 * ```
 */
export function parseErrorArchiveFileName(task: string, fileName: string): ArchiveName | null {
  assertTaskName(task);
  if (typeof fileName !== 'string' || !fileName.endsWith(ERROR_FILE_EXTENSION)) return null;
  return parseArchiveFileName(task, `${fileName.slice(0, -ERROR_FILE_EXTENSION.length)}${OUTPUT_FILE_EXTENSION}`);
}

/**
 * Epoch ms of an archive stamp (inverse of {@link archiveStamp}, to the second); null when it is not a real stamp.
 *
 * @example
 * ```ts
 * archiveStampEpoch('20260102-030405'); // Date.UTC(2026, 0, 2, 3, 4, 5)
 * ```
 */
export function archiveStampEpoch(stamp: string): number | null {
  if (typeof stamp !== 'string' || !isRealStamp(stamp)) return null;
  const [y, mo, d, h, mi, s] = (STAMP_PARTS.exec(stamp) as RegExpExecArray).slice(1).map(Number) as [number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}
