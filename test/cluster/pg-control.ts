// Helpers of the database-restart tests: a PostgreSQL of the test file's own (a restart must not disturb the other
// test files, which share the project's server), stopped and started again on the same data directory and port.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { postgresBin, startPostgres, TEST_MAX_CONNECTIONS, type PgServer } from '../helpers/postgres.js';

/** A server that can be stopped and started again (same data, same port). */
export interface RestartableServer extends PgServer {
  /** Stops it (`pg_ctl stop -m fast`: sessions are ended, as in a restart), waiting until it is down. */
  halt(): void;
  /** Starts it again, waiting until it accepts connections. */
  resume(): void;
}

// Runs a server binary as the server's owner (user postgres when this process is root).
function runTool(dir: string, name: string, args: string[]): void {
  const bin = postgresBin();
  const tool = bin === '' ? name : path.join(bin, name);
  const [file, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', tool, ...args]] : [tool, args];
  execFileSync(file, argv, { stdio: 'pipe', cwd: dir });
}

/** Starts a server of this test file's own (see test/helpers/postgres.ts). */
export async function startRestartable(): Promise<RestartableServer> {
  const server = await startPostgres();
  const data = path.join(server.dir, 'data');
  const port = new URL(server.url).port;
  const settings = [`-p ${port}`, `-k ${server.dir}`, '-c listen_addresses=127.0.0.1', '-c fsync=off', '-c synchronous_commit=off',
    '-c full_page_writes=off', `-c max_connections=${TEST_MAX_CONNECTIONS}`].join(' ');
  return {
    ...server,
    halt: () => runTool(server.dir, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']),
    resume: () => runTool(server.dir, 'pg_ctl', ['-D', data, '-l', path.join(server.dir, 'server.log'), '-w', '-t', '60', '-o', settings, 'start']),
  };
}
