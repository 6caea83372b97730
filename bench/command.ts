// One command timed from spawn to 'close' (exited, its stdout and stderr read to their end): the CLI benches (ours and
// PM2's) and the PM2 harness all run their commands through this.
import { spawn } from 'node:child_process';
import { killGroup, trackGroup, untrackGroup } from './lib.js';

/** How long one command may take before the bench gives up on it. */
export const COMMAND_TIMEOUT_MS = 60_000;

/** A command to run: `node ...args` unless `file` is given. */
export interface Command {
  /** Shown in errors. */
  key: string;
  args: string[];
  /** The program; default: this Node (`process.execPath`). */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Checks what it printed; a false result (or a non-zero exit) fails the bench. Default: exit 0 is enough. */
  check?: (stdout: string) => boolean;
  timeoutMs?: number;
}

/** The result of one timed run. */
export interface Timed { ms: number; stdout: string; stderr: string }

/** Spawns the command (detached, stdin ignored, stdout/stderr piped and read) and resolves once it has exited and its pipes closed. */
export async function timedCommand(command: Command): Promise<Timed> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const t0 = performance.now();
  const child = spawn(command.file ?? process.execPath, command.args, {
    detached: true, env: command.env ?? process.env, cwd: command.cwd, stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackGroup(child.pid);
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const timer = setTimeout(() => child.pid !== undefined && killGroup(child.pid), command.timeoutMs ?? COMMAND_TIMEOUT_MS);
  const code = await new Promise<number | null>((resolve, reject) => child.once('close', resolve).once('error', reject)).finally(() => clearTimeout(timer));
  const ms = performance.now() - t0;
  untrackGroup(child.pid);
  const stdout = Buffer.concat(out).toString('utf8');
  const stderr = Buffer.concat(err).toString('utf8');
  if (code !== 0 || (command.check && !command.check(stdout))) {
    throw new Error(`${command.key}: exit ${code}, unexpected output:\n${stdout.slice(0, 800)}\n${stderr.slice(0, 800)}`);
  }
  return { ms, stdout, stderr };
}
