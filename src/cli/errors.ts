// Exit codes (0 ok, 1 failed operation, 2 usage) and the one-line error report.
import { CommanderError } from 'commander';
import { CliUsageError, ExecutorError, InvalidOptionError, RunFailedError, ScriptNotFoundError } from '../errors.js';

/** Exit code of a successful command. */
export const EXIT_OK = 0;
/** Exit code of a failed operation (task or run not found, lease held, …). */
export const EXIT_FAILED = 1;
/** Exit code of a usage error (unknown command or flag, a flag value the SDK rejects). */
export const EXIT_USAGE = 2;

/**
 * The exit code for an error: 2 for usage and rejected values, a failed run's own code, 1 for everything else.
 * @example `exitCodeOf(new TaskNotFoundError('x')) // 1`
 */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === EXIT_OK ? EXIT_OK : EXIT_USAGE;
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
  const code = error instanceof ExecutorError ? error.code : error instanceof CommanderError ? 'ERR_USAGE' : 'ERR_UNEXPECTED';
  const message = (error instanceof Error ? error.message : String(error)).replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim();
  const line = `executor: ${code}: ${message}\n`;
  return debug && error instanceof Error && error.stack ? `${line}${error.stack}\n` : line;
}
