// Test helper: runs the package's `executor` bin (bin/executor.js, on the built dist/) as a subprocess, on temp folders cleaned up after each test.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { clusterUrlFor, useExecutors, type ExecutorKit } from './executor.js';
import { T } from './time.js';
import { waitUntil } from './wait.js';

/** Absolute path of the package's bin; it loads dist/ (`npm test` builds first). */
export const CLI_BIN = fileURLToPath(new URL('../../bin/executor.js', import.meta.url));

/** What a finished CLI invocation gave. */
export interface CliResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of one CLI invocation. */
export interface CliOptions {
  /** Sets `EXECUTOR_FOLDER` (omit to test the default `./.executor`). */
  folder?: string;
  /** Extra environment (merged over a clean one with `NO_COLOR=1`). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to stdin, then stdin is closed. */
  input?: string;
  /** Kill the CLI (SIGKILL) and fail after this long (scaled by TEST_TIME_FACTOR here: pass it unscaled). @defaultValue 30_000 */
  timeoutMs?: number;
}

/** A CLI process still running, with what it printed so far. */
export interface CliChild {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Complete stdout lines so far. */
  lines(): string[];
  /**
   * Resolves with the first stdout line matching; throws after `timeoutMs` (scaled by TEST_TIME_FACTOR in `waitUntil`:
   * pass it unscaled), or as soon as the CLI has exited without printing one.
   */
  line(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves when the process has closed. */
  exited: Promise<CliResult>;
}

/** The folder the CLI will use: `--folder`, else `$EXECUTOR_FOLDER`, else `./.executor`, from its working directory. */
function cliFolder(args: string[], env: NodeJS.ProcessEnv, cwd: string | undefined): string {
  let folder: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--') break;
    if (args[i] === '--folder') folder = args[i + 1];
    else if (args[i]!.startsWith('--folder=')) folder = args[i]!.slice('--folder='.length);
  }
  const fromEnv = env.EXECUTOR_FOLDER;
  return path.resolve(cwd ?? process.cwd(), folder ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : '.executor'));
}

/**
 * `{ EXECUTOR_CLUSTER }` naming `folder`'s cluster in the `cluster` project (as the CLI helpers give it), else `{}`: for
 * a CLI started some other way (a terminal, a REPL, in this process).
 */
export function clusterEnvOf(folder: string): { EXECUTOR_CLUSTER?: string } {
  const cluster = clusterUrlFor(folder);
  return cluster === undefined ? {} : { EXECUTOR_CLUSTER: cluster };
}

/**
 * The CLI's environment. In the `cluster` project it also gets `EXECUTOR_CLUSTER`, naming the folder's cluster (the
 * schema test/helpers/executor.ts gives the folder's Executors), unless the test sets it or passes `--cluster`.
 */
function cliEnv(opts: CliOptions, args: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, EXECUTOR_FOLDER: opts.folder };
  for (const [k, v] of Object.entries(opts.env ?? {})) env[k] = v;
  const own = opts.env !== undefined && Object.hasOwn(opts.env, 'EXECUTOR_CLUSTER');
  if (!own && !args.some((a) => a === '--cluster' || a.startsWith('--cluster='))) {
    const cluster = clusterUrlFor(cliFolder(args, env, opts.cwd));
    if (cluster !== undefined) env.EXECUTOR_CLUSTER = cluster;
  }
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env;
}

/** Starts `node bin/executor.js ...args` and collects its output. */
export function spawnCli(args: string[], opts: CliOptions = {}): CliChild {
  const child = spawn(process.execPath, [CLI_BIN, ...args], { cwd: opts.cwd, env: cliEnv(opts, args), stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => { err += c; });
  child.stdin!.on('error', () => undefined);
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  let closed: string | null = null;
  const exited = new Promise<CliResult>((resolve) => {
    child.on('close', (exitCode, signal) => {
      closed = `exit code ${exitCode}, signal ${signal}`;
      resolve({ exitCode, signal, stdout: out, stderr: err });
    });
  });
  const lines = (): string[] => out.split('\n').slice(0, -1);
  const lineOrEnd = (match: (line: string) => boolean): string | undefined => {
    const found = lines().find(match);
    if (found === undefined && closed !== null) throw new Error(`executor ${args.join(' ')} ended (${closed}) without the line (stdout: ${out}; stderr: ${err})`);
    return found;
  };
  return {
    child, exited, lines, stdout: () => out, stderr: () => err,
    line: (match, timeoutMs = 15_000) => waitUntil(() => lineOrEnd(match), { timeoutMs, what: `a CLI line (stdout: ${out}; stderr: ${err})` }),
  };
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  const running = spawnCli(args, { ...opts, input: opts.input ?? '' });
  const timeoutMs = T(opts.timeoutMs ?? 30_000);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      running.child.kill('SIGKILL');
      reject(new Error(`executor ${args.join(' ')} did not end within ${timeoutMs} ms (stdout: ${running.stdout()}; stderr: ${running.stderr()})`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([running.exited, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/** What `useCli()` gives a test file. */
export interface CliKit {
  /** The SDK kit underneath (temp dirs, Executors stopped after each test). */
  kit: ExecutorKit;
  /** A new temp dir with an (unopened) folder path `<tmp>/exec`; every task in it is stopped after the test. */
  folder(): { dir: string; folder: string };
  /** Runs the CLI on `folder` to completion. */
  run(folder: string, args: string[], opts?: Omit<CliOptions, 'folder'>): Promise<CliResult>;
  /** Starts a long-running CLI on `folder`; it is SIGKILLed after the test if still running. */
  spawn(folder: string, args: string[], opts?: Omit<CliOptions, 'folder'>): CliChild;
}

/** Registers cleanup: CLI children killed, every task of every folder stopped, temp dirs removed. */
export function useCli(): CliKit {
  const kit = useExecutors();
  const children: ChildProcess[] = [];
  const folders: string[] = [];
  // Runs before useExecutors' afterEach (registered earlier, run later): kill CLIs, then open each folder so it is stopped.
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const f of folders.splice(0)) kit.open(f);
  });
  return {
    kit,
    folder() {
      const dir = kit.tmpDir();
      const folder = path.join(dir, 'exec');
      folders.push(folder);
      return { dir, folder };
    },
    run: (folder, args, opts = {}) => runCli(args, { ...opts, folder }),
    spawn(folder, args, opts = {}) {
      const c = spawnCli(args, { ...opts, folder });
      children.push(c.child);
      return c;
    },
  };
}
