// Spawns one run of a task: the shim in its own session, writing straight to the output file, detached from Node.
import { closeSync, openSync } from 'node:fs';
import { spawnedExeca } from './load-execa.js';
import { InvalidOptionError, SpawnError } from '../errors.js';
import { identityOf, readProcStat, type ProcessIdentity } from './identity.js';
import { checkWriterOptions, planShim, resolveWriterEntry, type WriterOptions } from './shim-plan.js';
import { decodeStatus, SHIM_SHELL, type RunExit } from './shim.js';
import { accountEnv, checkUserAllowed, type RunAccount } from './user.js';
import type { ProcessLimits, TaskSpec } from '../store/records.js';

export { decodeStatus, readStatusFile, SHIM_SCRIPT, type RunExit } from './shim.js';
export type { WriterOptions } from './shim-plan.js';
export { checkUserAllowed } from './user.js';

/** `$0` given to the shim (only shows in `ps`). */
export const SHIM_ARGV0 = 'sh';
/** Flags the output file is opened with: append, so concurrent writers and truncation by rotation stay safe. */
export const OUTPUT_OPEN_FLAGS = 'a';

/** What to run and where its output and status go. */
export interface SpawnRunOptions {
  /** argv of the run: interpreter + script + args, or `[script, ...args]`. */
  command: string[];
  /** Working directory. */
  cwd: string;
  /** The child's whole environment (the parent's is not added). */
  env: Record<string, string>;
  /**
   * File opened with O_APPEND; the child's stdout and stderr both write to it directly (fd mode), or through a
   * writer process (see `writer`).
   */
  outputFile: string;
  /** File the shim writes the run's exit status to, even if this Node process has exited by then. */
  statusFile: string;
  /**
   * Name used in a {@link SpawnError}, e.g. the task name.
   * @default the command, joined with spaces
   */
  label?: string;
  /**
   * Text written to the output first, its first `HEADER_PID_TOKEN` replaced by the run's pid (the shim's `$$`, by
   * the shim in fd mode, by the writer in writer mode). Not stamped.
   * @default null (no header)
   */
  header?: string | null;
  /**
   * File the child's stderr goes to on its own (opened with O_APPEND, or by its own writer in writer mode).
   * @default null (stderr goes to `outputFile`)
   */
  stderrFile?: string | null;
  /**
   * File the child reads as its stdin (e.g. a `.sql` step fed to `sqlite3 app.db`).
   * @default null (stdin is ignored)
   */
  stdinFile?: string | null;
  /**
   * Writer mode: the output goes through a pipe to a writer process per file (`node dist/output/writer-main.js`),
   * for timestamps and size caps. The shim still records the child's status, and exits (so `exited` resolves)
   * only once the writers are done.
   * @default null (fd mode: the child writes to the files itself)
   */
  writer?: WriterOptions | null;
  /**
   * Run the command as this user (name or uid; root only, see {@link checkUserAllowed}), with its supplementary groups
   * and with `HOME`, `USER` and `LOGNAME` set from the passwd entry (over `env`'s). Only the command switches (through
   * `setpriv`, the shim's last step): the shim, its status write and the writers stay the Executor's, so every file of
   * the folder does too, in fd mode and writer mode alike.
   * @default null (the Executor's user)
   */
  user?: string | null;
  /** Run with this group (name or gid). @default null (the user's primary group) */
  group?: string | null;
  /** Kernel limits (`ulimit`) applied right before the command's `exec`. @default null (none) */
  limits?: ProcessLimits | null;
  /** Absolute niceness of the command (−20…19). @default null (the Executor's) */
  nice?: number | null;
}

/**
 * The process fields of a task, as {@link spawnRun} takes them: `spawnRun({ ...processOf(task), command, … })`.
 * @example `processOf({ user: 'nobody', nice: 10 }) // { user: 'nobody', group: null, limits: null, nice: 10 }`
 */
export function processOf(task: Pick<TaskSpec, 'user' | 'group' | 'limits' | 'nice'>): Pick<SpawnRunOptions, 'user' | 'group' | 'limits' | 'nice'> {
  return { user: task.user ?? null, group: task.group ?? null, limits: task.limits ?? null, nice: task.nice ?? null };
}

/** A run that has been started. */
export interface SpawnedRun {
  /** Identity of the shim: the process-group (and session) leader of the run. */
  identity: ProcessIdentity;
  /** `Date.now()` right after the spawn. */
  spawnedAt: number;
  /** Resolves when the shim exits (only while this Node process lives); never rejects, never keeps Node alive. */
  exited: Promise<RunExit>;
  /**
   * Resolves like `exited`, but keeps Node alive until then: for a caller that must see the exit (a stop waiting for
   * the run it stopped), where an unref'd child would let Node exit with the wait unsettled.
   */
  awaitExit(): Promise<RunExit>;
}

/** Maps what execa saw of the shim's end to a RunExit (the shim's status is the child's, 128+n for signal n). */
function toRunExit(exitCode: number | undefined, signal: string | undefined): RunExit {
  if (signal) return { exitCode: null, signal: signal as NodeJS.Signals };
  return exitCode === undefined ? { exitCode: null, signal: null } : decodeStatus(exitCode);
}

/**
 * Runs `/bin/sh -c <script> sh <args...>` in its own session, stdout to `fd`, stderr to `errFd`, as the Executor's
 * user; with `account`, its environment has that user's `HOME`, `USER` and `LOGNAME` (the switch is in the script).
 */
function startShim({ cwd, env }: SpawnRunOptions, shim: { script: string; args: string[] }, fds: Fds, account: RunAccount | null) {
  const stdin = fds.inFd === null ? 'ignore' : fds.inFd;
  // execa's types list only the fd literals 3..9, but any open fd is passed straight to spawn() at run time.
  return spawnedExeca().execa(SHIM_SHELL, ['-c', shim.script, SHIM_ARGV0, ...shim.args], {
    cwd, env: account === null ? env : { ...env, ...accountEnv(account) },
    extendEnv: false, detached: true, cleanup: false, reject: false, buffer: false,
    stdio: [stdin, fds.fd, fds.errFd] as ['ignore', 3, 3],
  });
}

interface Fds { fd: number; errFd: number; inFd: number | null }

function closeFds(fds: Fds): void {
  closeSync(fds.fd);
  if (fds.errFd !== fds.fd) closeSync(fds.errFd);
  if (fds.inFd !== null) closeSync(fds.inFd);
}

/** Opens the output file (and the stderr file); in writer mode these fds only carry the writers' own errors. */
function openOutputs(opts: SpawnRunOptions): Fds {
  const { fd, errFd } = openOutputFiles(opts);
  const fds: Fds = { fd, errFd, inFd: null };
  try {
    if (opts.stdinFile) fds.inFd = openSync(opts.stdinFile, 'r');
    return fds;
  } catch (error) {
    closeFds(fds);
    throw error;
  }
}

/** The account to switch to: null when the options ask for none or for this process's own. */
function switchTo(opts: SpawnRunOptions): RunAccount | null {
  const account = checkUserAllowed(opts);
  if (account === null || (account.uid === process.geteuid?.() && account.gid === process.getegid?.())) return null;
  return account;
}

function openOutputFiles(opts: SpawnRunOptions): { fd: number; errFd: number } {
  const fd = openSync(opts.outputFile, OUTPUT_OPEN_FLAGS);
  if (!opts.stderrFile) return { fd, errFd: fd };
  let errFd: number;
  try {
    errFd = openSync(opts.stderrFile, OUTPUT_OPEN_FLAGS);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!opts.writer) return { fd, errFd };
  closeSync(errFd); // opened only to fail early and create it; its writer opens it again
  return { fd, errFd: fd };
}

/**
 * Starts `command` under the shim, detached (its own session and process group), with stdin ignored (or `stdinFile`) and
 * stdout+stderr appended to `outputFile` (stderr to `stderrFile` if given), straight or through writer processes
 * (`writer`), after `header`. The Node process may exit at once: the run goes on and the shim still records its
 * status in `statusFile`.
 *
 * @throws {InvalidOptionError} when `command` is empty or `writer` is malformed.
 * @throws {SpawnError} when the spawn fails (e.g. `cwd` does not exist), an output file cannot be opened, the
 * writer entry is missing (writer mode run from source without a build), or `user` needs `setpriv` and it is missing.
 * @throws {PermissionError} (`ERR_PERMISSION`) when this process is not root and `user` / `group` name another account.
 * @example
 * ```ts
 * const run = spawnRun({ command: ['node', 'job.js'], cwd, env, outputFile, statusFile });
 * const { exitCode, signal } = await run.exited;
 * ```
 */
export function spawnRun(opts: SpawnRunOptions): SpawnedRun {
  const { command, cwd } = opts;
  if (command.length === 0) throw new InvalidOptionError('command', 'a non-empty array of strings', command);
  if (opts.writer) checkWriterOptions(opts.writer);
  const label = opts.label ?? command.join(' ');
  const account = switchTo(opts);
  let shim;
  let fds: Fds;
  try {
    shim = planShim({ ...opts, account }, opts.writer ? resolveWriterEntry() : null);
    fds = openOutputs(opts);
  } catch (error) {
    throw new SpawnError(label, error);
  }
  let subprocess;
  try {
    subprocess = startShim(opts, shim, fds, account);
  } catch (error) {
    throw new SpawnError(label, error);
  } finally {
    closeFds(fds);
  }
  const spawnedAt = Date.now();
  subprocess.catch(() => undefined);
  subprocess.unref();
  const pid = subprocess.pid;
  // Not reaped before the event loop runs, so even an instant exit leaves a zombie to read.
  const stat = pid === undefined ? null : readProcStat(pid);
  if (!stat) throw new SpawnError(label, new Error(`${SHIM_SHELL} did not start in ${cwd}`));
  // Node's own 'exit' event comes first; execa's promise settles a little later (and covers spawn failures).
  const exited = new Promise<RunExit>((resolve) => {
    subprocess.once('exit', (code, signal) => resolve(toRunExit(code ?? undefined, signal ?? undefined)));
    subprocess.then((result) => resolve(toRunExit(result.exitCode, result.signal)), () => resolve({ exitCode: null, signal: null }));
  });
  const awaitExit = async (): Promise<RunExit> => {
    subprocess.ref();
    try {
      return await exited;
    } finally {
      subprocess.unref();
    }
  };
  return { identity: identityOf(stat), spawnedAt, exited, awaitExit };
}
