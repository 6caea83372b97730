// Cluster mode: a program run whose host died goes on here, at its current step: its input file is written again
// from its ledger record (its `data` and event) and its steps' checkpoints are restored from the cluster.
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
  await writeRunInput(rt, programView(record, run), baseOf(run), ledger?.data ?? null, ledger?.event ?? null);
  return restoreCheckpoints(rt, record.task.name, run.runId);
}
