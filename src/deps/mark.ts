// The `waiting` mark a start puts on a task while it waits for its dependencies (startTask, startAll), and takes off
// again when that start fails. Only a display: a start goes on whatever happens to the mark.
import { runLive } from '../run/own.js';
import type { Runtime } from '../runtime.js';
import type { TaskStatus } from '../store/records.js';

/**
 * Marks task `name` `waiting` (why: `reason`) unless it runs or is already waiting; resolves with the status it had,
 * or null when it was not marked (or the write failed).
 * @example `const before = await markWaiting(rt, 'api', 'db not ready (running 0.2 s of 1 s)') // 'idle'`
 */
export async function markWaiting(rt: Runtime, name: string, reason: string): Promise<TaskStatus | null> {
  return rt.store.mutateTask(name, async (current) => {
    if (!current || (current.state.run && runLive(rt, current.state.run)) || current.state.status === 'waiting') return { record: null, result: null };
    return { record: { ...current, state: { ...current.state, status: 'waiting', waitingFor: reason } }, result: current.state.status };
  }).catch(() => null);
}

/**
 * A start that waited failed: the task goes back to `previous` (the status {@link markWaiting} replaced; `idle` when
 * unknown), unless something else changed it meanwhile.
 * @example `await unmarkWaiting(rt, 'api', before)`
 */
export async function unmarkWaiting(rt: Runtime, name: string, previous: TaskStatus | null): Promise<void> {
  await rt.store.mutateTask(name, async (current) => {
    if (!current || current.state.status !== 'waiting') return { record: null, result: null };
    return { record: { ...current, state: { ...current.state, status: previous ?? 'idle', waitingFor: null } }, result: null };
  }).catch(() => undefined);
}
