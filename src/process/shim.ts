// The `sh` shim that wraps every run and records its exit status in a file, plus the status decoding.
import { readFileSync } from 'node:fs';
import { CLOCK_TICKS_PER_SECOND, uptimeToEpochMs } from './clock.js';
import { constants as osConstants } from 'node:os';
import { HEADER_ALIGN_BYTES, HEADER_END_LINE, HEADER_PAD_FIXED_BYTES, HEADER_PAD_PREFIX, HEADER_PID_TOKEN } from '../output/header.js';
import type { SignalName } from '../signal-types.js';

const MS_PER_SECOND = 1000;

/** The POSIX shell that runs {@link SHIM_SCRIPT} (dash on Debian/Ubuntu, which the script is written for). */
export const SHIM_SHELL = '/bin/sh';

/**
 * The shim, run as `/bin/sh -c SHIM_SCRIPT sh <statusFile> <command...>`.
 *
 * - `trap :` (not `trap ''`: an ignored signal would be inherited by the child) lets the shim survive TERM/INT/HUP
 *   and still record its child's status; the subshell resets the traps to the default before `exec`.
 * - The shim's own stderr goes to /dev/null (so dash never prints "Terminated" into the output); the child gets it back.
 * - Once the child is done, the shim ignores those signals, so a group kill cannot interrupt the status write.
 * - The status is written with the `printf` builtin (no fork, so a restart is not delayed): one write of a few bytes,
 *   `<status> <uptime>`, where `<uptime>` is the first field of `/proc/uptime` read (by the `read` builtin) the moment
 *   the child ended: the exit time, known even when no supervisor was alive to see it.
 *   Readers look at the file only once the shim is gone, so they see the whole number; a shim killed mid-write leaves
 *   an empty or missing file, read as "unknown". The shim exits with the child's status (128+n for death by signal n).
 */
export const SHIM_SCRIPT =
  's=$1; shift; trap : TERM INT HUP; exec 3>&2 2>/dev/null; (exec "$@") 2>&3 3>&-; c=$?; trap \'\' TERM INT HUP; ' +
  `u=; read u _ < /proc/uptime; printf '%s %s\\n' "$c" "$u" > "$s"; exit $c`;

/** Status the writer-mode shims record when the command's status was lost (its supervising subshell was SIGKILLed). */
export const LOST_STATUS = 137;

// Statements shared by the shim variants below.
const SURVIVE = 'trap : TERM INT HUP';
const SHIELD = "trap '' TERM INT HUP";
/** The status write of every shim variant (the first one in the script is the command's; see {@link withCpuStamp}). */
export const STATUS_WRITE = `printf '%s %s\\n' "$c" "$u" > "$s"`;
/**
 * {@link STATUS_WRITE} plus a third field: the CPU the command used (its `utime + stime` and its reaped children's,
 * in clock ticks), read from the recording shell's own `/proc/self/stat` (fields 16 and 17, children's times) with
 * builtins only. `set --` drops the command's arguments, no longer needed once it is done.
 */
export const STATUS_WRITE_WITH_CPU =
  't=; read t < /proc/self/stat; set -- ${t##*) }; ' +
  `printf '%s %s %s\\n' "$c" "$u" "$(( \${14:-0} + \${15:-0} ))" > "$s"`;
/**
 * `script` (a shim variant) recording the command's CPU time with its status ({@link STATUS_WRITE_WITH_CPU}): used
 * when the run has a CPU limit, to tell a SIGKILL at the hard limit from another one.
 */
export function withCpuStamp(script: string): string {
  const at = script.indexOf(STATUS_WRITE);
  if (at < 0) throw new Error('internal: the shim holds no status write');
  return script.slice(0, at) + STATUS_WRITE_WITH_CPU + script.slice(at + STATUS_WRITE.length);
}
// The status and the uptime at the child's end (see SHIM_SCRIPT), with builtins only.
const STAMP = `u=; read u _ < /proc/uptime; ${STATUS_WRITE}`;
const RECORD = `c=$?; ${SHIELD}; ${STAMP}`;
// The run's status as recorded by the pipeline's left side; 137 (SIGKILL) when that side was killed before it could.
const READ_BACK = `${SHIELD}; c=; read c _ < "$s"; case $c in ''|*[!0-9]*) c=${LOST_STATUS}; ${STAMP};; esac; exit $c`;

// Pads the header `$h` (its pid filled in) as `padHeader` does, when it ends with HEADER_END_LINE: its bytes are
// counted with `${#b}` under LC_ALL=C (bash and busybox count characters in a UTF-8 locale; dash always counts
// bytes), then LC_ALL is put back as it was, so the command's environment is unchanged. Builtins only.
const PAD_HEADER =
  `b=\${h%'${HEADER_END_LINE}'}; if [ "$b" = "$h" ]; then printf '%s' "$h"; else ` +
  'o=${LC_ALL-}; x=${LC_ALL+1}; LC_ALL=C; n=${#b}; if [ -n "$x" ]; then LC_ALL=$o; else unset LC_ALL; fi; ' +
  `printf '%s%s%*s\\n%s' "$b" '${HEADER_PAD_PREFIX}' $(( (${HEADER_ALIGN_BYTES} - (n + ${HEADER_END_LINE.length + HEADER_PAD_FIXED_BYTES}) % ${HEADER_ALIGN_BYTES}) % ${HEADER_ALIGN_BYTES} )) '' '${HEADER_END_LINE}'; fi`;

/**
 * {@link SHIM_SCRIPT} printing a header first, run as `/bin/sh -c HEADER_SHIM_SCRIPT sh <statusFile> <header> <command...>`.
 * The first {@link HEADER_PID_TOKEN} in the header becomes the shim's `$$` (the run's pid), by parameter expansion:
 * builtins only, no fork. The header goes to the shim's stdout (the output file), padded (when it ends with
 * `HEADER_END`) to a multiple of {@link HEADER_ALIGN_BYTES}, so that the command's output starts page-aligned.
 */
export const HEADER_SHIM_SCRIPT =
  `s=$1; h=$2; shift 2; ${SURVIVE}; exec 3>&2 2>/dev/null; ` +
  `case $h in *${HEADER_PID_TOKEN}*) h=\${h%%${HEADER_PID_TOKEN}*}$$\${h#*${HEADER_PID_TOKEN}};; esac; ${PAD_HEADER}; ` +
  `(exec "$@") 2>&3 3>&-; ${RECORD}; exit $c`;

/**
 * The shim in writer mode, stdout and stderr merged:
 * `/bin/sh -c WRITER_SHIM_SCRIPT sh <statusFile> <node> <writer-main.js> <writerConfig> <command...>`.
 *
 * The command's stdout+stderr go through a pipe to one writer process. dash has no `pipefail`, so the pipeline's
 * left side (a subshell, which must trap TERM/INT/HUP again: a subshell resets `trap :` to the default) runs the
 * command, then writes its status to the status file itself; the shim reads it back with the `read` builtin once the
 * whole pipeline (the writer included) is done, and exits with it. If the left side was SIGKILLed before it could
 * write (a forced stop kills the whole tree), the shim records 137. The writer's own stderr is the shim's (fd 3).
 * The command runs as `(exec "$@") 2>&1`, not `"$@" 2>&1`: dash applies a simple command's redirections in the
 * waiting shell too, which would then print "Terminated" into the pipe when the command dies of a signal.
 */
export const WRITER_SHIM_SCRIPT =
  `s=$1; n=$2; w=$3; o=$4; shift 4; ${SURVIVE}; exec 3>&2 2>/dev/null; ` +
  `{ ${SURVIVE}; (exec "$@") 2>&1 3>&-; ${RECORD}; } | "$n" "$w" "$o" 2>&3 3>&-; ${READ_BACK}`;

/**
 * The shim in writer mode with a separate stderr:
 * `/bin/sh -c SPLIT_WRITER_SHIM_SCRIPT sh <statusFile> <node> <writer-main.js> <outConfig> <errConfig> <command...>`.
 *
 * `{ { cmd 2>&1 1>&4; } | errwriter; } 4>&1 | outwriter`: fd 4 carries the command's stdout past the inner pipe,
 * which takes its stderr. Every shell level traps TERM/INT/HUP; every process closes the fds it must not hold, so
 * each writer sees EOF once the command (and whatever inherited its output) is gone. Status as in {@link WRITER_SHIM_SCRIPT}.
 */
export const SPLIT_WRITER_SHIM_SCRIPT =
  `s=$1; n=$2; w=$3; o=$4; e=$5; shift 5; ${SURVIVE}; exec 3>&2 2>/dev/null; ` +
  `{ ${SURVIVE}; { ${SURVIVE}; (exec "$@") 2>&1 1>&4 3>&- 4>&-; ${RECORD}; } | "$n" "$w" "$e" >&3 2>&3 3>&- 4>&-; } 4>&1 ` +
  `| "$n" "$w" "$o" 2>&3 3>&-; ${READ_BACK}`;

/** A shell reports death by signal n as exit status 128 + n. */
export const SIGNAL_STATUS_BASE = 128;
/** Highest signal number on Linux (SIGRTMAX). */
export const MAX_SIGNAL_NUMBER = 64;

/** How a run ended. Exactly one of the two fields is set, except when neither could be known. */
export interface RunExit {
  /** Exit code, or null when the run died by a signal. */
  exitCode: number | null;
  /** Signal that killed the run, or null when it exited. */
  signal: SignalName | null;
  /** When the run's process ended (epoch ms), as the shim recorded it; absent when not recorded. */
  endedAtMs?: number;
  /** CPU time the command (and its reaped children) used, ms, as the shim recorded it (runs with a CPU limit only). */
  cpuMs?: number;
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

/** A status line: `<status>`, `<status> <uptime seconds>` or `<status> <uptime seconds> <cpu ticks>`. */
const STATUS_LINE = /^(\d{1,3})(?:[ \t]+(\d+(?:\.\d+)?)(?:[ \t]+(\d+))?)?$/;

/**
 * Reads a status file written by the shim; null when it is missing or does not hold a status (yet). `endedAtMs` is
 * set when the shim recorded the time of the end.
 *
 * @example
 * ```ts
 * readStatusFile(file); // { exitCode: 0, signal: null, endedAtMs: 1796630400123 }
 * ```
 */
export function readStatusFile(file: string): RunExit | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const match = STATUS_LINE.exec(text.trim());
  if (!match) return null;
  const exit = decodeStatus(Number(match[1]));
  const endedAtMs = match[2] === undefined ? null : uptimeToEpochMs(Number(match[2]));
  const timed = endedAtMs === null ? exit : { ...exit, endedAtMs };
  return match[3] === undefined ? timed : { ...timed, cpuMs: (Number(match[3]) * MS_PER_SECOND) / CLOCK_TICKS_PER_SECOND };
}
