// Cluster mode: a start handed to the supervising hosts (see placement-step.ts `handOverStart`) is waited for, so the
// caller gets what a folder's start gives: `started` with the run's pid, once its host started it.
import { SpawnError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { isLaunching } from '../run/tree.js';
import type { TaskRecord } from '../store/records.js';

/** How long a handed-over start is waited for before `startTask` answers `queued` (ms). */
export const HANDOVER_WAIT_MS = 10_000;
/** How often the task's row is re-read meanwhile, at most (ms): first after 10 ms, then twice as long each time. */
export const HANDOVER_POLL_MS = 50;
const FIRST_POLL_MS = 10;

/** What a handed-over start came to. */
export interface HandedStart { result: 'started' | 'queued'; pid: number | null; host: string | null }

function outcome(record: TaskRecord, lastRunId: string | null): HandedStart | 'failed' | null {
  const { state } = record;
  if (state.run !== null) return isLaunching(state.run) ? null : { result: 'started', pid: state.run.pid, host: state.run.host ?? null };
  // A run started since (a new last run id: no clock compared, hosts' clocks may differ) and already over.
  if (state.lastRunId !== null && state.lastRunId !== lastRunId) return { result: 'started', pid: null, host: null };
  if (state.status === 'waiting') return null;
  return state.status === 'failed' ? 'failed' : { result: 'queued', pid: null, host: null };
}

/**
 * Waits (at most `waitMs`) for a host to start task `name`, handed over when its last run was `lastRunId`: `started`
 * with the pid, or
 * `queued` when no host started it in time (it starts later). A host that could not start it: SpawnError.
 * @example `const { result, pid } = await waitHandedStart(rt, 'bot', record.state.lastRunId);`
 */
export async function waitHandedStart(rt: Runtime, name: string, lastRunId: string | null, waitMs = HANDOVER_WAIT_MS): Promise<HandedStart> {
  const deadline = Date.now() + waitMs;
  for (let pause = FIRST_POLL_MS; ; pause = Math.min(HANDOVER_POLL_MS, pause * 2)) {
    const record = await rt.store.readTask(name);
    if (record === null) return { result: 'queued', pid: null, host: null };
    const found = outcome(record, lastRunId);
    if (found === 'failed') throw new SpawnError(name, new Error('its host could not start it (see the log: `executor log`)'));
    if (found !== null) return found;
    if (Date.now() >= deadline) return { result: 'queued', pid: null, host: null };
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
