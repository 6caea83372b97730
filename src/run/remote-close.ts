// Cluster mode: a run on another host is stopped by that host. Whoever asks (stopTask, cancelRun, a replace) marks
// the run in its record, wakes the hosts (NOTIFY: its host acts at once, not at its next poll), and waits here until
// its host has closed it (or the host died and another closed it).
import { clusterOf } from '../cluster/pg-store.js';
import { notifyWake } from '../cluster/wake.js';
import { liveRuns } from './close.js';
import type { Runtime } from '../runtime.js';

/** How often the record of a run being stopped by its host is re-read at most, ms (sooner at first: 20, 40, 80 ms). */
export const REMOTE_POLL_MS = 100;
/** The first wait before re-reading the record, ms (doubled up to REMOTE_POLL_MS): a woken host stops a run quickly. */
export const REMOTE_FIRST_POLL_MS = 20;
/** Beyond the stop's own time (killTimeout) and a host's death (leaseTime), how long a remote stop may take, ms. */
export const REMOTE_STOP_SLACK_MS = 5_000;

/**
 * Resolves once run `runId` of `name` is no longer live in its record: closed by its host, or by another host after
 * its host died. Gives up (resolves false) after `killTimeout + leaseTime + 5 s`.
 * @example `await awaitRemoteClose(rt, 'api', run.runId) // after marking the run stopped`
 */
export async function awaitRemoteClose(rt: Runtime, name: string, runId: string): Promise<boolean> {
  const deadline = Date.now() + rt.killTimeoutMs + (rt.hosts?.leaseTimeMs ?? 0) + REMOTE_STOP_SLACK_MS;
  const cluster = clusterOf(rt.store);
  if (cluster !== null) await notifyWake(cluster.db, 'control'); // the mark is written: its host reads it when woken
  for (let pause = REMOTE_FIRST_POLL_MS; ; pause = Math.min(REMOTE_POLL_MS, pause * 2)) {
    const record = await rt.store.readTask(name).catch(() => null);
    if (record === null || !liveRuns(record).some((r) => r.runId === runId)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}
