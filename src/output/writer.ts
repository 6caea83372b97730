// A writer process's work: copy its stdin to a task's output file, stamping lines and rotating at a size cap.
import { InvalidOptionError } from '../errors.js';
import { HEADER_PID_TOKEN } from './header.js';
import { archiveStampEpoch, parseArchiveFileName, parseErrorArchiveFileName } from './archive.js';
import { liveOutputsOf, pruneArchives } from './prune.js';
import { RotatingFile, type OutputStream } from './rotate.js';
import { LineStamper } from './stamp.js';

/** What a writer process is told, as JSON in its `argv[2]` (see `writer-main.ts`). */
export interface WriterProcessConfig {
  /** Absolute path of the live file, appended to (created if missing). */
  file: string;
  /** Folder the archives go to (normally the live file's folder). */
  folder: string;
  /** Task name, for archive names. */
  task: string;
  /** `out` (archives `<task>_<stamp>.txt`) or `err` (archives `<task>_<stamp>.err.txt`). */
  stream: OutputStream;
  /** Prefix every line with the ISO time it arrived. */
  timestamps: boolean;
  /** Cap of the live file; null = no rotation. */
  maxOutputBytes: number | null;
  /** Total size allowed to the task's archives after a rotation; null = no limit. */
  maxArchiveBytes: number | null;
  /** Number of archives kept after a rotation; null = no limit. */
  keepArchives: number | null;
  /** Written before any output, its {@link HEADER_PID_TOKEN} replaced by the writer's parent pid (the shim). */
  header: string | null;
}

/** What a writer did, for tests and diagnostics. */
export interface WriterResult {
  /** Bytes read from the input. */
  bytesIn: number;
  /** Rotations done. */
  rotations: number;
  /** Archives deleted by pruning. */
  pruned: string[];
}

/** Injectable parts of {@link runWriter}. */
export interface WriterDeps {
  /**
   * Clock for stamps and archive names, epoch ms.
   * @default Date.now
   */
  clock?: () => number;
  /**
   * The pid put in place of the header's pid token.
   * @default process.ppid (the shim, which forked the writer and exec'd it)
   */
  ppid?: number;
}

const isNullableNumber = (v: unknown, min: number): boolean => v === null || (Number.isSafeInteger(v) && (v as number) >= min);

/**
 * Parses and checks a writer config (the JSON a writer process gets).
 *
 * @throws {InvalidOptionError} when it is not valid JSON or a field is wrong.
 */
export function parseWriterConfig(json: unknown): WriterProcessConfig {
  let c: Partial<Record<keyof WriterProcessConfig, unknown>>;
  try {
    c = JSON.parse(String(json)) as typeof c;
  } catch {
    throw new InvalidOptionError('writer config', 'a JSON object', json);
  }
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new InvalidOptionError('writer config', 'a JSON object', json);
  const bad = (field: keyof WriterProcessConfig, expected: string): never => {
    throw new InvalidOptionError(`writer config.${field}`, expected, c[field]);
  };
  for (const field of ['file', 'folder', 'task'] as const) if (typeof c[field] !== 'string' || c[field] === '') bad(field, 'a non-empty string');
  if (c.stream !== 'out' && c.stream !== 'err') bad('stream', '"out" or "err"');
  if (typeof c.timestamps !== 'boolean') bad('timestamps', 'a boolean');
  if (!isNullableNumber(c.maxOutputBytes, 1)) bad('maxOutputBytes', 'an integer >= 1, or null');
  if (!isNullableNumber(c.maxArchiveBytes, 0)) bad('maxArchiveBytes', 'an integer >= 0, or null');
  if (!isNullableNumber(c.keepArchives, 0)) bad('keepArchives', 'an integer >= 0, or null');
  if (c.header !== null && typeof c.header !== 'string') bad('header', 'a string or null');
  return c as WriterProcessConfig;
}

/** Archive stamps have whole seconds: a file is surely older than `ms` when its stamp's second ended by then. */
const STAMP_RESOLUTION_MS = 1000;

// True when archive `file` of `task` (output or stderr) was surely made before `ms`. A writer prunes only those and
// its own rotations: a file made since it started may be the live output of an extra run not yet in the task record.
function olderThan(task: string, file: string, ms: number): boolean {
  const name = parseArchiveFileName(task, file) ?? parseErrorArchiveFileName(task, file);
  const stampMs = name ? archiveStampEpoch(name.stamp) : null;
  return stampMs !== null && stampMs + STAMP_RESOLUTION_MS <= ms;
}

/**
 * Copies `input` to the config's file until the input ends: the header first (if any), then every chunk, stamped
 * line by line with `timestamps`, rotated at `maxOutputBytes` (pruning the task's archives after each rotation: only
 * archives older than this writer's start and its own rotations, never a live run's output file), and
 * at the end a newline after a stamped partial last line. Never rejects: a file that cannot be opened or written
 * drops those bytes (and is retried at the next chunk) while the input is still drained, so the producer is never
 * cut off early; a prune error is ignored; an input read error counts as its end.
 */
export async function runWriter(config: WriterProcessConfig, input: AsyncIterable<Buffer>, deps: WriterDeps = {}): Promise<WriterResult> {
  const clock = deps.clock ?? Date.now;
  const startedMs = clock();
  const out = new RotatingFile({ file: config.file, folder: config.folder, task: config.task, stream: config.stream, maxBytes: config.maxOutputBytes, now: clock });
  const stamper = config.timestamps ? new LineStamper(clock) : null;
  const result: WriterResult = { bytesIn: 0, rotations: 0, pruned: [] };
  const prunes = config.maxArchiveBytes !== null || config.keepArchives !== null;
  if (config.header) out.write(Buffer.from(config.header.replace(HEADER_PID_TOKEN, String(deps.ppid ?? process.ppid))));
  try {
    for await (const chunk of input) {
      result.bytesIn += chunk.length;
      const rotations = out.write(stamper ? stamper.push(chunk) : chunk);
      result.rotations += rotations;
      if (rotations > 0 && prunes) {
        const limits = { maxBytes: config.maxArchiveBytes, keep: config.keepArchives };
        const live = await liveOutputsOf(config.folder, config.task);
        const spare = (f: string): boolean => live.has(f) || (!out.archived.has(f) && !olderThan(config.task, f, startedMs));
        const pruned = await pruneArchives(config.folder, config.task, limits, spare).catch(() => [] as string[]);
        for (const file of pruned) out.archived.delete(file); // a freed name may be taken by an extra run's output next
        result.pruned.push(...pruned);
      }
    }
  } catch {
    // A read error (EIO, …) ends the input.
  }
  if (stamper) out.write(stamper.flush());
  out.close();
  return result;
}
