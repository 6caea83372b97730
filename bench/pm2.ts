// The PM2 harness: PM2 7 (a devDependency) measured in the same run as ours, never touching the user's ~/.pm2.
// A session is a temporary PM2_HOME (every path PM2 uses, sockets, pid file, logs, derives from it) and a daemon
// started there by an untimed `pm2 ping`. Every process of the session carries BENCH_PM2_SESSION=<home> in its
// environment (the CLI passes it to the daemon, the daemon to its apps), so closing a session can find them all:
// `pm2 kill`, then SIGKILL of the daemon's pid (read at start-up) and of every process still carrying the marker.
// lib's cleanUp() closes every open session, and cleanUpSync() (SIGINT, SIGTERM) SIGKILLs them: no PM2 process
// survives the bench.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { timedCommand, type Timed } from './command.js';
import { onCleanUp, onCleanUpSync, pause, pidAlive, tempFolder } from './lib.js';
import { markedPids } from './procfs.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** PM2's CLI entry point, run with this Node. */
export const PM2_BIN = join(ROOT, 'node_modules', 'pm2', 'bin', 'pm2');
/** The installed PM2's version. */
export const PM2_VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'pm2', 'package.json'), 'utf8')) as { version: string }).version;
/** The environment variable that marks every process of a session. */
export const SESSION_ENV = 'BENCH_PM2_SESSION';
/**
 * What the bench sets for PM2, besides PM2_HOME: no version check (it calls home over the network), and SIGTERM as
 * the stop signal (PM2's default, SIGINT, is ignored by the background children of a non-interactive `sh`, so every
 * stop would wait PM2's 1.6 s kill_timeout; ours sends SIGTERM, so both sides signal alike). Everything else is PM2's
 * default: fork mode, treekill on, 2 concurrent actions, autorestart on.
 */
export const PM2_SETTINGS = { PM2_DISABLE_VERSION_CHECK: 'true', PM2_KILL_SIGNAL: 'SIGTERM' } as const;
/** How long `pm2 kill` may take before the session falls back to SIGKILL. */
export const KILL_TIMEOUT_MS = 30_000;

/** One app of an ecosystem file (the PM2 options the benches use). */
export interface Pm2App {
  name: string;
  script: string;
  interpreter?: string;
  autorestart?: boolean;
  env?: Record<string, string>;
  out_file?: string;
  error_file?: string;
}

/** A running PM2 daemon in its own temporary PM2_HOME. */
export interface Pm2Session {
  home: string;
  /** The environment every `pm2` command of the session runs with. */
  env: NodeJS.ProcessEnv;
  /** The daemon's pid (the `God Daemon` process). */
  daemonPid: number;
  /** Runs `pm2 ...args` (timed from spawn to exit, output read); throws on a non-zero exit or a failed check. */
  cli(args: string[], check?: (stdout: string) => boolean): Promise<Timed>;
  /** Writes an ecosystem file (JSON) of these apps in the session's home; returns its path. */
  ecosystem(apps: Pm2App[], tag: string): string;
  /** Stops the daemon and everything of the session (idempotent). */
  close(): Promise<void>;
}

// SIGKILL the daemon, then every process still marked with the session (apps, anything they started).
function killAll(home: string, daemonPid: number): void {
  const kill = (pid: number) => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } };
  if (daemonPid > 0) kill(daemonPid);
  for (const pid of markedPids(SESSION_ENV, home)) kill(pid);
}

/** Starts a PM2 daemon in a fresh temporary PM2_HOME (not timed). */
export async function openPm2(tag: string): Promise<Pm2Session> {
  const home = tempFolder(`pm2-${tag}`);
  // PM2's first CLI call in a home prints a banner and runs a version check unless this file exists.
  writeFileSync(join(home, 'touch'), String(Date.now()));
  const env: NodeJS.ProcessEnv = { ...process.env, ...PM2_SETTINGS, PM2_HOME: home, [SESSION_ENV]: home };
  const cli = (args: string[], check?: (stdout: string) => boolean): Promise<Timed> =>
    timedCommand({ key: `pm2 ${args.join(' ')}`, file: process.execPath, args: [PM2_BIN, ...args], env, cwd: home, check });
  let daemonPid = 0;
  let closed = false;
  onCleanUpSync(() => { if (!closed) killAll(home, daemonPid); });
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await timedCommand({ key: 'pm2 kill', file: process.execPath, args: [PM2_BIN, 'kill'], env, cwd: home, timeoutMs: KILL_TIMEOUT_MS }).catch(() => undefined);
    const deadline = Date.now() + 5_000;
    while ((pidAlive(daemonPid) || markedPids(SESSION_ENV, home).length > 0) && Date.now() < deadline) {
      killAll(home, daemonPid);
      await pause(20);
    }
    const left = markedPids(SESSION_ENV, home);
    if (left.length > 0) throw new Error(`PM2 session ${home}: processes ${left.join(', ')} survived SIGKILL`);
  };
  onCleanUp(close);
  await cli(['ping'], (s) => s.includes('pong'));
  daemonPid = Number(readFileSync(join(home, 'pm2.pid'), 'utf8').trim());
  if (!pidAlive(daemonPid)) throw new Error(`PM2 daemon not running after pm2 ping (pid file says ${daemonPid})`);
  const ecosystem = (apps: Pm2App[], name: string): string => {
    const file = join(home, `${name}.json`);
    writeFileSync(file, JSON.stringify({ apps }, null, 2));
    return file;
  };
  return { home, env, daemonPid, cli, ecosystem, close };
}

/** Runs `fn` with a fresh PM2 session, always closed afterwards. */
export async function withPm2<T>(tag: string, fn: (pm2: Pm2Session) => Promise<T>): Promise<T> {
  const pm2 = await openPm2(tag);
  try {
    return await fn(pm2);
  } finally {
    await pm2.close();
  }
}

/** PM2's programmatic API, driven in a separate Node process (bench/fixtures/pm2-api.mjs) connected to a session's daemon. */
export interface Pm2Api {
  /** Sends one command; resolves with its reply (rejects on an error reply). */
  send<T>(command: Record<string, unknown>): Promise<T>;
  /** Ends the driver (stdin closed) and waits for it to exit. */
  close(): Promise<void>;
}

/** Starts the API driver against a session's daemon; resolves once it is connected and listening to PM2's bus. */
export async function openPm2Api(session: Pm2Session): Promise<Pm2Api> {
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'fixtures', 'pm2-api.mjs')], { env: session.env, cwd: session.home, stdio: ['pipe', 'pipe', 'inherit'] });
  const replies: unknown[] = [];
  const waiters: ((value: unknown) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith('@bench ')) return;
    const value: unknown = JSON.parse(line.slice('@bench '.length));
    const waiter = waiters.shift();
    if (waiter) waiter(value); else replies.push(value);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const next = (): Promise<unknown> => {
    if (replies.length > 0) return Promise.resolve(replies.shift());
    return Promise.race([
      new Promise<unknown>((resolve) => waiters.push(resolve)),
      exited.then(() => { throw new Error('the PM2 API driver exited'); }),
    ]);
  };
  onCleanUpSync(() => child.kill('SIGKILL'));
  if ((await next()) !== 'ready') throw new Error('the PM2 API driver did not start');
  return {
    async send<T>(command: Record<string, unknown>): Promise<T> {
      child.stdin.write(`${JSON.stringify(command)}\n`);
      const value = (await next()) as T & { error?: string };
      if (value.error) throw new Error(`PM2 API driver, ${String(command.op)}: ${value.error}`);
      return value;
    },
    async close(): Promise<void> {
      child.stdin.end();
      await Promise.race([exited, pause(10_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}
