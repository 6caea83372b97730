// The `command` alert channel: runs a command with the run record (or the whole alert) as JSON on stdin.
import { loadExeca } from '../../process/load-execa.js';
import type { AlertPayload } from '../payload.js';
import type { ChannelOutcome, CommandAlertChannel } from '../types.js';

/** After a timeout's SIGTERM, the command's process group gets SIGKILL this much later. */
export const COMMAND_KILL_GRACE_MS = 2_000;
/** After the command exits, its stderr is read this much longer (a background child may hold it open). */
export const COMMAND_STDIO_GRACE_MS = 250;
/** Most stderr kept from the command (for the failure message). */
export const COMMAND_STDERR_MAX_BYTES = 1_048_576;
/** Most characters of the reason put in `EXECUTOR_ALERT_REASON` (the environment's size is limited). */
export const ALERT_ENV_REASON_MAX_CHARS = 1_000;
/** Most stderr characters quoted in a failure message. */
export const COMMAND_ERROR_DETAIL_CHARS = 300;

/** Environment variables the command gets, besides the supervisor's own. */
export function alertEnv(payload: AlertPayload): Record<string, string> {
  return {
    EXECUTOR_ALERT_KIND: payload.kind,
    EXECUTOR_ALERT_TASK: payload.name,
    EXECUTOR_ALERT_RUN_ID: payload.runId ?? '',
    EXECUTOR_ALERT_REASON: payload.reason.slice(0, ALERT_ENV_REASON_MAX_CHARS),
    EXECUTOR_ALERT_SUPPRESSED: String(payload.suppressed),
  };
}

// Signals the command's whole process group (it runs detached, as its own group leader).
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function lastStderr(stderr: unknown): string {
  const text = typeof stderr === 'string' ? stderr.trim() : '';
  if (text === '') return '';
  return `: ${text.length > COMMAND_ERROR_DETAIL_CHARS ? `...${text.slice(-COMMAND_ERROR_DETAIL_CHARS)}` : text}`;
}

/**
 * Runs the channel's command with `JSON.stringify(payload.run ?? payload)` on stdin and the `EXECUTOR_ALERT_*`
 * variables in its environment. A non-zero exit, a signal, a spawn error or the timeout is a failure.
 * On timeout its process group gets SIGTERM, then SIGKILL after {@link COMMAND_KILL_GRACE_MS}. Never rejects.
 */
export async function sendCommand(channel: CommandAlertChannel, payload: AlertPayload): Promise<ChannelOutcome> {
  const [file, ...args] = channel.command;
  if (file === undefined) return { attempts: 0, error: 'empty command' };
  const { execa } = await loadExeca();
  const sub = execa(file, args, {
    input: JSON.stringify(payload.run ?? payload),
    env: alertEnv(payload),
    reject: false,
    stdout: 'ignore',
    stderr: 'pipe',
    detached: true,
    forceKillAfterDelay: false,
    maxBuffer: COMMAND_STDERR_MAX_BYTES,
  });
  let timedOut = false;
  let forceKill: NodeJS.Timeout | undefined;
  let stdioGrace: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(sub.pid, 'SIGTERM');
    forceKill = setTimeout(() => killGroup(sub.pid, 'SIGKILL'), COMMAND_KILL_GRACE_MS);
    forceKill.unref();
  }, channel.timeoutMs);
  // Once the command exits, a background child still holding stderr must not keep us waiting.
  sub.once('exit', () => {
    stdioGrace = setTimeout(() => sub.stderr?.destroy(), COMMAND_STDIO_GRACE_MS);
  });
  try {
    const result = await sub;
    if (timedOut) return { attempts: 1, error: `timed out after ${channel.timeoutMs} ms${lastStderr(result.stderr)}` };
    if (!result.failed) return { attempts: 1, error: null };
    if (typeof result.exitCode === 'number') return { attempts: 1, error: `exited with code ${result.exitCode}${lastStderr(result.stderr)}` };
    if (result.signal) return { attempts: 1, error: `killed by ${result.signal}${lastStderr(result.stderr)}` };
    return { attempts: 1, error: result.originalMessage || result.shortMessage || 'failed' };
  } finally {
    clearTimeout(timer);
    clearTimeout(stdioGrace);
    // A timed-out group keeps its pending SIGKILL (unref'd) for children that ignored SIGTERM.
    if (!timedOut) clearTimeout(forceKill);
  }
}
