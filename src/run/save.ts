// saveRun: pin a run (and its outputs) so pruning never removes it, as Ferris's "Saved executions".
import { InvalidOptionError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import type { RunRecord, SavedRun } from '../store/records.js';
import { runNotFound } from '../task/suggest.js';
import { assertRunId, findRun } from './find.js';

/** Longest accepted saved-run name. */
export const MAX_SAVED_NAME_LENGTH = 200;
/** Longest accepted saved-run description. */
export const MAX_SAVED_DESCRIPTION_LENGTH = 10_000;

/** Options of `saveRun`. */
export interface SaveRunOptions {
  /** A name for the saved run (1 to 200 characters). */
  name: string;
  /** What it is kept for. @defaultValue none */
  description?: string;
}

function checkSaveOptions(options: unknown): SaveRunOptions {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object with a `name`', options);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== 'name' && key !== 'description') throw new InvalidOptionError('options', 'made of known options (name, description)', key);
  if (typeof o.name !== 'string' || o.name.trim() === '' || o.name.length > MAX_SAVED_NAME_LENGTH) throw new InvalidOptionError('name', `a non-empty string of at most ${MAX_SAVED_NAME_LENGTH} characters`, o.name);
  if (o.description !== undefined && (typeof o.description !== 'string' || o.description.length > MAX_SAVED_DESCRIPTION_LENGTH)) {
    throw new InvalidOptionError('description', `a string of at most ${MAX_SAVED_DESCRIPTION_LENGTH} characters`, o.description);
  }
  return o as unknown as SaveRunOptions;
}

/** Pins run `runId` (started or ended); resolves with its record. A queued run cannot be saved yet. */
export async function saveRun(rt: Runtime, runId: unknown, options: unknown): Promise<RunRecord> {
  assertRunId(runId);
  const o = checkSaveOptions(options);
  const found = await findRun(rt, runId);
  if (!found?.ledger) throw await runNotFound(rt, runId);
  const saved: SavedRun = { name: o.name, description: o.description ?? null, savedAt: new Date(rt.now()).toISOString() };
  const ledger = await rt.store.mutateTask(found.name, async (record) => {
    const current = await rt.store.readRun(found.name, runId);
    if (!record || !current) throw await runNotFound(rt, runId);
    const next = { ...current, saved };
    // A script run's output files live with the task's archives: list them so no pruning removes them.
    const files = current.steps.length === 0 ? [current.outputFile, current.errorFile].filter((f): f is string => typeof f === 'string' && f !== '') : [];
    const pinned = [...new Set([...record.state.pinned, ...files])];
    const changed = pinned.length !== record.state.pinned.length;
    return { record: changed ? { ...record, state: { ...record.state, pinned } } : null, result: next, sideWrites: [rt.store.writeRun(next)] };
  });
  rt.log(`Saved run ${runId} of ${found.name} as ${JSON.stringify(o.name)}`);
  return ledger;
}
