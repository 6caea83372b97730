// The header and footer text of a run's output, from its record (formatting lives in output/header.ts).
import { open } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { formatFooter, formatHeader } from '../output/header.js';
import type { CurrentRun, TaskRecord } from '../store/records.js';

/** `\n`. */
const NEWLINE_BYTE = 0x0a;

// The user name, or the uid when the passwd entry is missing (containers). Read once per process: userInfo() reads
// /etc/passwd at each call, and every spawn with a header asked for it.
let user: string | undefined;
function currentUser(): string {
  if (user === undefined) {
    try {
      user = userInfo().username;
    } catch {
      user = String(process.getuid?.() ?? 'unknown');
    }
  }
  return user;
}

// The interpreter command, with the extension or name it was chosen by: `/usr/bin/node (.js)`; null when run directly.
function interpreterOf(record: TaskRecord): string | null {
  const { command, interpreter } = record.task;
  if (command.length === 0) return null;
  const argv = command.join(' ');
  return interpreter && interpreter !== argv ? `${argv} (${interpreter})` : argv;
}

/** The header of a run (its pid is filled in by the shim). */
export function runHeader(record: TaskRecord, run: Pick<CurrentRun, 'runId' | 'trigger' | 'triggerTime' | 'scheduledFor' | 'startedAt'>, command: string[]): string {
  return formatHeader({
    task: record.task.name, runId: run.runId, trigger: run.trigger, triggerTime: run.triggerTime ?? run.startedAt, scheduledFor: run.scheduledFor,
    host: hostname(), user: record.task.user ?? currentUser(), interpreter: interpreterOf(record), command, script: record.task.script, startedAt: run.startedAt,
  });
}

/** The footer of a finished run. */
export function runFooter(exit: { exitCode: number | null; signal: string | null; timedOut: boolean; exitUnknown: boolean }, startedAt: string, endedMs: number): string {
  return formatFooter({ ...exit, durationMs: Math.max(0, endedMs - Date.parse(startedAt)), endedAt: new Date(endedMs).toISOString() });
}

/** Appends a footer to an output file, on a line of its own (a last line without a newline is ended first). */
export async function appendFooter(file: string, footer: string): Promise<void> {
  const handle = await open(file, 'a+');
  try {
    const { size } = await handle.stat();
    const last = Buffer.alloc(1);
    if (size > 0) await handle.read(last, 0, 1, size - 1);
    await handle.appendFile(size > 0 && last[0] !== NEWLINE_BYTE ? `\n${footer}` : footer);
  } finally {
    await handle.close();
  }
}
