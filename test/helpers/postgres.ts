// A real PostgreSQL for the cluster tests: Debian's server binaries, a fresh data directory in /tmp (initdb), started
// with pg_ctl on a free loopback port, as user `postgres` when this process is root (the server refuses to run as
// root). Durability settings are off: the tests kill our processes, never the database's.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';

/** A running test server. */
export interface PgServer {
  /** `postgres://executor@127.0.0.1:<port>/postgres` */
  url: string;
  /** Its data and socket directory. */
  dir: string;
  /** Stops it (immediate shutdown) and removes its directory. */
  stop(): void;
}

/** Connections the test server accepts (two test workers, each with several Executors of ≤ 5 connections). */
export const TEST_MAX_CONNECTIONS = 400;

/** The directory of PostgreSQL's server binaries: Debian's newest, else where `pg_config` says, else PATH. */
export function postgresBin(): string {
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian).filter((v) => existsSync(path.join(debian, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return path.join(debian, versions[0]!, 'bin');
  }
  try { return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim(); } catch { return ''; }
}

/**
 * Runs one SQL statement on `url` through psql, synchronously; returns its unaligned, tuples-only output, trimmed.
 * Throws (with psql's message) when the statement fails.
 */
export function psql(url: string, sql: string): string {
  const bin = path.join(postgresBin(), 'psql');
  return execFileSync(existsSync(bin) ? bin : 'psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql, url], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Runs a psql script (meta-commands such as `\gset` and `\if` allowed) on `url`, synchronously; returns its output, trimmed. */
export function psqlScript(url: string, script: string): string {
  const bin = path.join(postgresBin(), 'psql');
  return execFileSync(existsSync(bin) ? bin : 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-At', '-f', '-', url], { encoding: 'utf8', input: script, stdio: ['pipe', 'pipe', 'pipe'] }).trim();
}

/** Starts a server; throws with the server's log when it cannot. */
export async function startPostgres(): Promise<PgServer> {
  const bin = postgresBin();
  const tool = (name: string): string => (bin === '' ? name : path.join(bin, name));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'exsdk-pg-'));
  const data = path.join(dir, 'data');
  const root = process.getuid?.() === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (command: string, args: string[]): void => {
    const [file, argv] = root ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    execFileSync(file, argv, { stdio: 'pipe', cwd: dir });
  };
  const port = await freePort();
  try {
    run(tool('initdb'), ['-D', data, '-A', 'trust', '-U', 'executor', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    const settings = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c synchronous_commit=off',
      '-c full_page_writes=off', `-c max_connections=${TEST_MAX_CONNECTIONS}`].join(' ');
    run(tool('pg_ctl'), ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', '-o', settings, 'start']);
  } catch (error) {
    let log = '';
    try { log = execFileSync('cat', [path.join(dir, 'server.log')], { encoding: 'utf8' }); } catch { /* none */ }
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Could not start PostgreSQL from ${bin || 'PATH'}: ${(error as Error).message}\n${log}`);
  }
  return {
    url: `postgres://executor@127.0.0.1:${port}/postgres`,
    dir,
    stop() {
      try { run(tool('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* already gone */ }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
