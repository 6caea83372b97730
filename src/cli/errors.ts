// Exit codes (0 ok, 1 failed operation, 2 usage) and the one-line error report.
import { ExecutorError, expectedMessage, formatValue, InvalidOptionError, ScriptNotFoundError } from '../errors.js';

/** The command line cannot work as typed (e.g. task names and `--all` together); the CLI exits with 2. */
export class CliUsageError extends ExecutorError {
  constructor(what: string, expected: string, got: unknown) {
    super('ERR_USAGE', expectedMessage(what, expected, got));
  }
}

/** A CLI command that reads a folder ran where there is none (nothing was created). */
export class FolderNotFoundError extends ExecutorError {
  /** The folder looked for. */
  readonly folder: string;
  constructor(folder: string) {
    super('ERR_FOLDER_NOT_FOUND', `Expected an executor folder at ${folder}, got none: add a task first, or pass --folder DIR or set EXECUTOR_FOLDER.`);
    this.folder = folder;
  }
}

/** A run waited on did not succeed; `exitCode` is the code the CLI exits with (the run's own, else 1). */
export class RunFailedError extends ExecutorError {
  /** The run. */
  readonly runId: string;
  /** The process exit code to report. */
  readonly exitCode: number;
  constructor(runId: string, task: string, got: string, exitCode: number) {
    super('ERR_RUN_FAILED', `Expected run ${runId} of ${formatValue(task)} to succeed, got ${got}.`);
    this.runId = runId;
    this.exitCode = exitCode;
  }
}

/** Exit code of a successful command. */
export const EXIT_OK = 0;
/** Exit code of a failed operation (task or run not found, lease held, …). */
export const EXIT_FAILED = 1;
/** Exit code of a usage error (unknown command or flag, a flag value the SDK rejects). */
export const EXIT_USAGE = 2;

/** Commander's own errors (unknown option, missing argument, `--help`), told apart without loading commander. */
interface CommanderLike { code: string; exitCode: number }

/**
 * True for an error commander threw: its `code` starts with `commander.` (this module does not import commander,
 * so that `executor ls` can run without it).
 * @example `isCommanderError(new CommanderError(1, 'commander.unknownOption', '…')) // true`
 */
export function isCommanderError(error: unknown): error is Error & CommanderLike {
  if (!(error instanceof Error)) return false;
  const { code, exitCode } = error as Partial<CommanderLike>;
  return typeof code === 'string' && code.startsWith('commander.') && typeof exitCode === 'number';
}

/**
 * The exit code for an error: 2 for usage and rejected values, a failed run's own code, 1 for everything else.
 * @example `exitCodeOf(new TaskNotFoundError('x')) // 1`
 */
export function exitCodeOf(error: unknown): number {
  if (isCommanderError(error)) return error.exitCode === EXIT_OK ? EXIT_OK : EXIT_USAGE;
  if (error instanceof ScriptNotFoundError) return EXIT_FAILED; // found missing when a run starts, not a value typed
  if (error instanceof CliUsageError || error instanceof InvalidOptionError) return EXIT_USAGE;
  if (error instanceof RunFailedError) return error.exitCode;
  return EXIT_FAILED;
}

/**
 * `executor: <CODE>: <message>` on one line, with the stack below it when `debug`.
 * @example `errorReport(new TaskNotFoundError('x'), false) // 'executor: ERR_TASK_NOT_FOUND: Expected `name` … no such task.\n'`
 */
export function errorReport(error: unknown, debug: boolean): string {
  const code = error instanceof ExecutorError ? error.code : isCommanderError(error) ? 'ERR_USAGE' : 'ERR_UNEXPECTED';
  const message = (error instanceof Error ? error.message : String(error)).replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();
  const line = `executor: ${code}: ${message}\n`;
  return debug && error instanceof Error && error.stack ? `${line}${error.stack}\n` : line;
}
