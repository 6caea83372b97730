// Which shim script a run uses (fd mode, fd mode with a header, writer mode merged or split) and its arguments.
import { resolve } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import { resolveBuiltEntry } from './built-entry.js';
import type { WriterProcessConfig } from '../output/writer.js';
import type { ProcessLimits } from '../store/records.js';
import { commandSubshell, withSubshell } from './limits.js';
import type { RunAccount } from './user.js';
import { HEADER_SHIM_SCRIPT, SHIM_SCRIPT, SPLIT_WRITER_SHIM_SCRIPT, withCpuStamp, WRITER_SHIM_SCRIPT } from './shim.js';

/** Where the writer entry sits relative to this module, in the built layout (`dist/process/` -> `dist/output/`). */
export const WRITER_ENTRY_URL = '../output/writer-main.js';
/** The writer entry relative to `dist/index.js`, where the bundle may put this module's code. */
export const BUNDLE_ENTRY_URL = './output/writer-main.js';
export { BUILD_DIR, SOURCE_DIR } from './built-entry.js';

/** Writer mode: the output goes through writer processes instead of straight to the file. */
export interface WriterOptions {
  /** Prefix every line with the ISO time it arrived. */
  timestamps: boolean;
  /** Size cap of the live output file (and of the stderr file), after which it is archived; null = none. */
  maxOutputBytes: number | null;
  /** Total size of the task's archives kept after a rotation; null = no limit. */
  maxArchiveBytes: number | null;
  /** Number of archives kept after a rotation. */
  keepArchives: number;
  /** Task name (archive names). */
  task: string;
  /** Folder the archives go to (normally the output file's folder). */
  folder: string;
}

/** The parts of the spawn options that choose the shim. */
export interface ShimChoice {
  command: string[];
  outputFile: string;
  statusFile: string;
  header?: string | null;
  stderrFile?: string | null;
  writer?: WriterOptions | null;
  /** Kernel limits applied before `exec` (see limits.ts). */
  limits?: ProcessLimits | null;
  /** Absolute niceness of the command. */
  nice?: number | null;
  /**
   * The account the command runs as: the shim `exec`s it through `setpriv` after the limits (see limits.ts), so the
   * shim, its status write and the writers stay the Executor's. Null/absent: the Executor's own.
   */
  account?: Pick<RunAccount, 'uid' | 'gid'> | null;
}

let writerEntry: string | undefined;

/**
 * Path of the writer entry, `writer-main.js`. Built layout: the file next door (`dist/output/writer-main.js`).
 * Running from source (`src/process/*.ts` under vitest), the `.ts` entry cannot be run by plain Node, so the built
 * `dist/output/writer-main.js` of the same package is used (`npm test` builds first). Null when neither exists.
 */
export function resolveWriterEntry(base: string = import.meta.url): string | null {
  if (writerEntry !== undefined && base === import.meta.url) return writerEntry;
  const found = resolveBuiltEntry('output', 'writer-main.js', base);
  if (found !== null && base === import.meta.url) writerEntry = found;
  return found;
}

const nullableInt = (v: unknown, min: number): boolean => v === null || (Number.isSafeInteger(v) && (v as number) >= min);

/** Checks the writer options (types only: the task name is checked when an archive is named). */
export function checkWriterOptions(w: WriterOptions): void {
  if (typeof w !== 'object' || w === null) throw new InvalidOptionError('writer', 'an object or null', w);
  if (typeof w.timestamps !== 'boolean') throw new InvalidOptionError('writer.timestamps', 'a boolean', w.timestamps);
  if (!nullableInt(w.maxOutputBytes, 1)) throw new InvalidOptionError('writer.maxOutputBytes', 'an integer >= 1, or null', w.maxOutputBytes);
  if (!nullableInt(w.maxArchiveBytes, 0)) throw new InvalidOptionError('writer.maxArchiveBytes', 'an integer >= 0, or null', w.maxArchiveBytes);
  if (!nullableInt(w.keepArchives, 0) || w.keepArchives === null) throw new InvalidOptionError('writer.keepArchives', 'an integer >= 0', w.keepArchives);
  for (const key of ['task', 'folder'] as const) {
    if (typeof w[key] !== 'string' || w[key] === '') throw new InvalidOptionError(`writer.${key}`, 'a non-empty string', w[key]);
  }
}

function writerConfig(w: WriterOptions, file: string, stream: 'out' | 'err', header: string | null): string {
  const config: WriterProcessConfig = {
    file: resolve(file), folder: resolve(w.folder), task: w.task, stream, timestamps: w.timestamps,
    maxOutputBytes: w.maxOutputBytes, maxArchiveBytes: w.maxArchiveBytes, keepArchives: w.keepArchives, header,
  };
  return JSON.stringify(config);
}

/**
 * The shim script and its arguments (after `$0`) for these options. Without `header` and `writer`, exactly
 * `SHIM_SCRIPT <statusFile> <command...>`, as before. `entry` is the writer entry (see {@link resolveWriterEntry}).
 * With `limits`, `nice` or `account`, the command subshell applies them before `exec` (the shim itself stays
 * unlimited, and the Executor's); with a CPU limit the status line also holds the command's CPU time.
 * @throws {Error} when writer mode has no writer entry, or `account` is set and `setpriv` is not installed.
 */
export function planShim(o: ShimChoice, entry: string | null): { script: string; args: string[] } {
  const plan = planVariant(o, entry);
  const limited = withSubshell(plan.script, commandSubshell(o));
  return { script: o.limits?.cpuSeconds === undefined ? limited : withCpuStamp(limited), args: plan.args };
}

function planVariant(o: ShimChoice, entry: string | null): { script: string; args: string[] } {
  const header = o.header ?? null;
  if (!o.writer) {
    if (header === null) return { script: SHIM_SCRIPT, args: [o.statusFile, ...o.command] };
    return { script: HEADER_SHIM_SCRIPT, args: [o.statusFile, header, ...o.command] };
  }
  if (entry === null) throw new Error(`the writer entry ${WRITER_ENTRY_URL} was not found (run \`npm run build\`)`);
  const out = writerConfig(o.writer, o.outputFile, 'out', header);
  const prefix = [o.statusFile, process.execPath, entry, out];
  if (!o.stderrFile) return { script: WRITER_SHIM_SCRIPT, args: [...prefix, ...o.command] };
  const err = writerConfig(o.writer, o.stderrFile, 'err', null);
  return { script: SPLIT_WRITER_SHIM_SCRIPT, args: [...prefix, err, ...o.command] };
}
