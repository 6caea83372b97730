// Cluster mode: a program run whose host died goes on here, at its current step: its input file is written again
// from its ledger record (its `data` and event; a chain run's upstream note too) and its steps' checkpoints are
// restored from the cluster.
import { fetchUpstreamNote } from '../chain/note.js';
import type { Runtime } from '../runtime.js';
import type { CurrentRun, TaskRecord } from '../store/records.js';
import { baseOf } from './advance.js';
import { restoreCheckpoints } from './checkpoint.js';
import { programView } from './ledger.js';
import { writeRunInput } from './start.js';

/**
 * Prepares this host's folder for program run `run` of `record`, taken over from its dead host (call under the task's
 * lock, before its step is started here): `input.json` and the checkpoints. Resolves with the steps restored.
 * @example `await prepareTakeover(rt, record, run); await advanceRun(rt, record, run);`
 */
export async function prepareTakeover(rt: Runtime, record: TaskRecord, run: CurrentRun): Promise<string[]> {
  const ledger = await rt.store.readRun(record.task.name, run.runId).catch(() => null);
  // A chain run's upstream note, read by its input file, its steps' env and its close, comes here too.
  if (run.trigger === 'chain') await fetchUpstreamNote(rt, record.task.name, run.runId);
  await writeRunInput(rt, programView(record, run), baseOf(run), ledger?.data ?? null, ledger?.event ?? null);
  return restoreCheckpoints(rt, record.task.name, run.runId);
}
