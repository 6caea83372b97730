// What every command shares: the folder, the Executor on it, output helpers and the exit code.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { HostLabels } from '../cluster/options.js';
import { Executor, type ExecutorOptions } from '../executor.js';
import { checkFolderPath } from '../store/folder-check.js';
import { FOLDER_LAYOUT } from '../store/layout.js';
import { META_FILE } from '../store/meta.js';
import { colorEnabled, paintFor, type Paint } from './color.js';
import { errorReport, EXIT_FAILED, EXIT_OK, exitCodeOf, FolderNotFoundError, isCommanderError } from './errors.js';
import type { CliIo } from './io.js';

/** Folder used without `--folder` and `$EXECUTOR_FOLDER`, relative to the working directory. */
export const DEFAULT_FOLDER = '.executor';
/** Environment variable naming the folder. */
export const FOLDER_ENV = 'EXECUTOR_FOLDER';
/** Environment variable naming the cluster URL (cluster mode: the task table in PostgreSQL). */
export const CLUSTER_ENV = 'EXECUTOR_CLUSTER';
/** Environment variable naming this host in the cluster (`supervise --host` wins). */
export const HOST_ENV = 'EXECUTOR_HOST';
/** Indentation of `--json` output. */
export const JSON_INDENT = 2;

/** Shared state of one CLI invocation. */
export class CliContext {
  readonly io: CliIo;
  /** `--folder`, once parsed. */
  folderOption: string | undefined;
  /** `--debug`, once parsed. */
  debug = false;
  /** `--cluster`, `--host`, `--lease-time` (ms), once parsed. */
  clusterFlags: { cluster?: string; host?: string; leaseTime?: number; capacity?: number; labels?: HostLabels } = {};
  /** What the process exits with when the command returns normally. */
  exitCode = EXIT_OK;
  /** Set when an error that looks like a bad value is really a failed operation (exit 1, not 2). */
  operationFailed = false;
  #executor: Executor | null = null;
  #created = false;
  #paint: Paint | null = null;

  constructor(io: CliIo) {
    this.io = io;
  }

  /** The folder: `--folder`, else `$EXECUTOR_FOLDER`, else `./.executor`; absolute. */
  get folder(): string {
    const env = this.io.env[FOLDER_ENV];
    return resolve(this.io.cwd, this.folderOption ?? (env !== undefined && env !== '' ? env : DEFAULT_FOLDER));
  }

  /** The cluster URL: `--cluster`, else `$EXECUTOR_CLUSTER`; undefined when the table lives in the folder. */
  get cluster(): string | undefined {
    const env = this.io.env[CLUSTER_ENV];
    return this.clusterFlags.cluster ?? (env !== undefined && env !== '' ? env : undefined);
  }

  /** The Executor's cluster options (none without a cluster: `--host` and `--lease-time` alone are refused by it). */
  clusterOptions(): ExecutorOptions {
    const { cluster: _given, ...rest } = this.clusterFlags;
    const cluster = this.cluster;
    if (cluster === undefined) return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    const env = this.io.env[HOST_ENV];
    const host = rest.host ?? (env !== undefined && env !== '' ? env : undefined);
    const defined = Object.fromEntries(Object.entries({ ...rest, host }).filter(([, v]) => v !== undefined));
    return { cluster, ...defined };
  }

  /**
   * True when the folder holds an executor (its `executor.json`), or in cluster mode always (the folder is only this
   * host's: it is made when needed). Throws `FolderError` when the path cannot be one
   * (a file, a path through a file, too long, a NUL byte), so a command never reports such a path as empty.
   */
  folderExists(): boolean {
    checkFolderPath(this.folder);
    return this.cluster !== undefined || existsSync(join(this.folder, META_FILE));
  }

  /** The Executor on the folder; throws `FolderNotFoundError` (creating nothing) unless `create` or it exists. */
  executor({ create = false } = {}): Executor {
    if (this.#executor) return this.#executor;
    if (!create && !this.folderExists()) throw new FolderNotFoundError(this.folder);
    this.#created = !existsSync(this.folder);
    this.#executor = new Executor(this.folder, this.clusterOptions());
    return this.#executor;
  }

  /** After a failed command: removes the folder if this invocation created it and no task got in (bad input writes nothing). */
  discardCreatedFolder(): void {
    if (!this.#created) return;
    const tasks = join(this.folder, FOLDER_LAYOUT.tasks);
    try {
      if (existsSync(tasks) && readdirSync(tasks).length > 0) return;
      rmSync(this.folder, { recursive: true, force: true });
    } catch {
      // the folder could not be used (e.g. a path through a file): nothing of it was created
    }
  }

  /**
   * Ends a command that threw: reports the error on stderr (commander has printed its own), removes a folder this
   * invocation created for nothing, and returns the exit code.
   */
  fail(error: unknown, argv: readonly string[]): number {
    if (!isCommanderError(error)) this.io.stderr.write(errorReport(error, this.debug || argv.includes('--debug')));
    this.discardCreatedFolder();
    return this.operationFailed ? EXIT_FAILED : exitCodeOf(error);
  }

  /** Colours for stdout (none unless it is a terminal, by NO_COLOR / FORCE_COLOR). */
  get paint(): Paint {
    this.#paint ??= paintFor(colorEnabled(this.io.stdout, this.io.env));
    return this.#paint;
  }

  /** Writes one line to stdout. */
  out(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** Writes one line to stderr. */
  err(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** Writes `executor: warning: <message>` to stderr. */
  warn(message: string): void {
    this.err(`executor: warning: ${message}`);
  }

  /** Writes a value as indented JSON to stdout (the stable `--json` output). */
  json(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, JSON_INDENT)}\n`);
  }
}
