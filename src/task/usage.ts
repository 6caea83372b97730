// cpu% and RSS of a task's live runs, for listTasks' cpu and rss columns.
import { liveRuns } from '../run/close.js';
import { runIdentity } from '../run/tree.js';
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import type { RowUsage } from './rows.js';

/** cpu% and RSS summed over the live runs' process trees; null when none is live (or none could be sampled). */
export async function taskUsage(rt: Runtime, record: TaskRecord): Promise<RowUsage | null> {
  const runs = liveRuns(record);
  if (runs.length === 0) return null;
  const samples = await Promise.all(runs.map((run) => rt.usage.sample(runIdentity(run)).catch(() => null)));
  const live = samples.filter((s) => s !== null);
  if (live.length === 0) return null;
  return { cpu: live.reduce((a, s) => a + s.cpu, 0), rss: live.reduce((a, s) => a + s.rss, 0) };
}
