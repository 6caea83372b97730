// Is the folder supervised by another live process (which then picks up the events inbox)?
import { join } from 'node:path';
import { noLiveHost } from '../cluster/placement-step.js';
import { clusterOf } from '../cluster/pg-store.js';
import { isAlive } from '../process/identity.js';
import type { Runtime } from '../runtime.js';
import { readJson } from '../store/atomic.js';
import { FOLDER_LAYOUT } from '../store/layout.js';
import type { LeaseHolder } from '../store/lease.js';

/** True when a live keepRestarting in another process holds the folder's lease: it picks events and chains up. */
export async function supervisedElsewhere(rt: Runtime): Promise<boolean> {
  const holder = (await readJson(join(rt.folder, FOLDER_LAYOUT.leaseHolder)).catch(() => null)) as LeaseHolder | null;
  if (!holder || holder.kind !== 'supervisor' || holder.pid === process.pid) return false;
  if (holder.pidStartTime === null || holder.bootId === null) return true;
  return isAlive({ pid: holder.pid, startTime: holder.pidStartTime, bootId: holder.bootId });
}

/**
 * True when this process starts the runs of an event or chain it just wrote: it supervises, or nobody else would (a
 * folder: no live supervisor holds its lease; a cluster: no supervising host is alive). Otherwise a supervisor picks
 * the entry up at its next pass.
 * @example `if (await mayHandleEvents(rt)) await processInboxEntry(rt, entry);`
 */
export async function mayHandleEvents(rt: Runtime): Promise<boolean> {
  if (rt.supervisor !== null) return true;
  if (clusterOf(rt.store) === null) return !(await supervisedElsewhere(rt));
  await rt.hosts?.refresh();
  return noLiveHost(rt);
}
