// Cluster mode: whether a recorded run runs on another host than this process's.
import type { Runtime } from '../runtime.js';
import type { CurrentRun } from '../store/records.js';

/**
 * Cluster mode: true when `run` runs on another host than this process's (its processes are not ours to see or
 * signal: its host stops it, and it is live while its host is). Always false for a folder.
 * @example `if (isRemote(rt, run)) await awaitRemoteClose(rt, name, run.runId);`
 */
export function isRemote(rt: Pick<Runtime, 'hosts' | 'host'>, run: Pick<CurrentRun, 'host'>): boolean {
  return rt.hosts !== null && run.host !== undefined && run.host !== rt.host;
}
