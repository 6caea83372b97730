// Test helper: the processes carrying an executor's marker (EXECUTOR_ID in /proc/<pid>/environ), and their clean-up.
import { readdirSync, readFileSync } from 'node:fs';
import { readIdentity } from '../../src/process/identity.js';

/** Pids of the live processes started with `EXECUTOR_ID=<executorId>` (and, if given, `EXECUTOR_RUN_ID=<runId>`). */
export function markedPids(executorId: string, runId?: string): number[] {
  const wanted = [`EXECUTOR_ID=${executorId}`, ...(runId === undefined ? [] : [`EXECUTOR_RUN_ID=${runId}`])];
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid) continue;
    let entries: string[];
    try { entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0'); } catch { continue; }
    if (wanted.every((w) => entries.includes(w)) && readIdentity(pid) !== null) found.push(pid);
  }
  return found;
}

/** SIGKILLs every live process carrying the executor's marker (an after-test sweep for escapes). */
export function killMarked(executorId: string): void {
  for (const pid of markedPids(executorId)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
}
