// Cluster mode: what a supervising host answers when another host asks it through the requests table (requests.ts):
// the output of one of its runs (its last lines, or a piece of its file for a follower), and whether one of its tasks
// is ready for its dependents. One place for every request kind.
import { TaskNotFoundError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { readTaskOutput, type ReadOutOptions } from '../task/read-options.js';
import { READ_BYTES_REQUEST, readRunBytes, type ReadBytesRequest } from './read-bytes.js';
import { READ_OUT_REQUEST, type ReadOutRequest } from './remote-output.js';
import { NOT_READY_REQUEST, type NotReadyRequest } from './remote-ready.js';
import { notReady } from '../deps/ready.js';

/**
 * Answers one request of another host (`kind` with its `payload`); rejects for an unknown kind.
 * @example `await answerRequest(rt, 'readOut', { name: 'bot', runId, n: 50, stream: 'stdout', raw: false })`
 */
export async function answerRequest(rt: Runtime, kind: string, payload: unknown): Promise<unknown> {
  if (kind === READ_OUT_REQUEST) {
    const p = payload as ReadOutRequest;
    const record = await rt.store.readTask(p.name);
    if (record === null) throw new TaskNotFoundError(p.name);
    const options: ReadOutOptions = { run: p.runId, stream: p.stream, raw: p.raw, ...(p.step === undefined ? {} : { step: p.step }) };
    return readTaskOutput(rt.folder, rt.store, record, p.n, options, { stream: p.stream, raw: p.raw });
  }
  if (kind === READ_BYTES_REQUEST) return readRunBytes(rt, payload as ReadBytesRequest);
  if (kind === NOT_READY_REQUEST) {
    const { name } = payload as NotReadyRequest;
    const record = await rt.store.readTask(name);
    if (record === null) throw new TaskNotFoundError(name);
    return notReady(rt, record);
  }
  throw new Error(`Expected a known request kind (${READ_OUT_REQUEST}, ${READ_BYTES_REQUEST}, ${NOT_READY_REQUEST}), got ${JSON.stringify(kind)}`);
}
