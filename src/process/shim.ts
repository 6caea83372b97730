// The `sh` shim that wraps every run and records its exit status in a file, plus the status decoding.
import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';

/** The POSIX shell that runs {@link SHIM_SCRIPT} (dash on Debian/Ubuntu, which the script is written for). */
export const SHIM_SHELL = '/bin/sh';

/**
 * The shim, run as `/bin/sh -c SHIM_SCRIPT sh <statusFile> <command...>`.
 *
 * - `trap :` (not `trap ''`: an ignored signal would be inherited by the child) lets the shim survive TERM/INT/HUP
 *   and still record its child's status; the subshell resets the traps to the default before `exec`.
 * - The shim's own stderr goes to /dev/null (so dash never prints "Terminated" into the output); the child gets it back.
 * - Once the child is done, the shim ignores those signals, so a group kill cannot interrupt the status write.
 * - The status is written with the `printf` builtin (no fork, so a restart is not delayed): one write of a few bytes.
 *   Readers look at the file only once the shim is gone, so they see the whole number; a shim killed mid-write leaves
 *   an empty or missing file, read as "unknown". The shim exits with the child's status (128+n for death by signal n).
 */
export const SHIM_SCRIPT =
  's=$1; shift; trap : TERM INT HUP; exec 3>&2 2>/dev/null; (exec "$@") 2>&3 3>&-; c=$?; trap \'\' TERM INT HUP; ' +
  "printf '%s\\n' \"$c\" > \"$s\"; exit $c";

/** A shell reports death by signal n as exit status 128 + n. */
export const SIGNAL_STATUS_BASE = 128;
/** Highest signal number on Linux (SIGRTMAX). */
export const MAX_SIGNAL_NUMBER = 64;

/** How a run ended. Exactly one of the two fields is set, except when neither could be known. */
export interface RunExit {
  /** Exit code, or null when the run died by a signal. */
  exitCode: number | null;
  /** Signal that killed the run, or null when it exited. */
  signal: NodeJS.Signals | null;
}

// Signal number -> name; the first name listed wins (SIGABRT over SIGIOT, SIGIO over SIGPOLL).
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(osConstants.signals)) {
  if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name as NodeJS.Signals);
}

/**
 * Decodes a shell exit status: 128+n, for a known signal number n in 1..64, means "killed by signal n".
 * A script that itself exits with such a code (e.g. a script ending with exit code 143) is read as killed by that signal.
 *
 * @example
 * ```ts
 * decodeStatus(3);   // { exitCode: 3, signal: null }
 * decodeStatus(143); // { exitCode: null, signal: 'SIGTERM' }
 * ```
 */
export function decodeStatus(code: number): RunExit {
  const n = code - SIGNAL_STATUS_BASE;
  const signal = n >= 1 && n <= MAX_SIGNAL_NUMBER ? SIGNAL_NAMES.get(n) : undefined;
  return signal ? { exitCode: null, signal } : { exitCode: code, signal: null };
}

/** Reads a status file written by the shim; null when it is missing or does not hold a status (yet). */
export function readStatusFile(file: string): RunExit | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const trimmed = text.trim();
  return /^\d{1,3}$/.test(trimmed) ? decodeStatus(Number(trimmed)) : null;
}
