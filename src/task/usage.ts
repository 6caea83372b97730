// cpu% and RSS of tasks' live runs, for listTasks' cpu and rss columns.
import type { UsageTable } from '../process/proc-usage.js';
import { liveRuns } from '../run/close.js';
import { runIdentity } from '../run/tree.js';
import type { Runtime } from '../runtime.js';
import type { TaskRecord } from '../store/records.js';
import type { RowUsage } from './rows.js';

/**
 * cpu% and RSS of each record's live runs' process trees, summed per record (null when none is live or none could be
 * sampled), from one pass over /proc: `table` when given (a pass just made), else a new one.
 */
export async function tasksUsage(rt: Runtime, records: readonly TaskRecord[], table?: UsageTable): Promise<(RowUsage | null)[]> {
  const runsOf = records.map((record) => liveRuns(record));
  const roots = runsOf.flatMap((runs) => runs.map((run) => runIdentity(run)));
  const samples = await rt.usage.sampleAll(roots, table).catch(() => roots.map(() => null));
  let at = 0;
  return runsOf.map((runs) => {
    let usage: RowUsage | null = null;
    for (let i = 0; i < runs.length; i++) {
      const sample = samples[at++];
      if (!sample) continue;
      usage ??= { cpu: 0, rss: 0 };
      usage.cpu += sample.cpu;
      usage.rss += sample.rss;
    }
    return usage;
  });
}
