// Moving a run along when nobody watches it: shared by waitRun and followRun.
import type { FoundRun } from '../run/find.js';
import { stepDue } from '../run/own.js';
import type { Runtime } from '../runtime.js';
import { reconcileTask } from '../supervisor/reconcile.js';
import { isDeadRun } from '../supervisor/wake.js';

/**
 * A live run whose process is gone (or whose next step is due) is closed or advanced, and a queued one started when
 * a slot is free, by whoever waits for or follows it.
 * @example `const found = await findRun(rt, runId); if (found) await settleFound(rt, found);`
 */
export async function settleFound(rt: Runtime, found: FoundRun): Promise<void> {
  const stale = found.live !== null && (isDeadRun(rt, found.live) || stepDue(found.live, rt.now()));
  if (stale || found.queued !== null) await reconcileTask(rt, found.name, rt.supervisor !== null);
}
