// Cluster mode: what a supervising host answers when another host asks it through the requests table (requests.ts):
// the output of one of its runs. One place for every request kind.
import { TaskNotFoundError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { readTaskOutput } from '../task/read-options.js';
import { READ_OUT_REQUEST, type ReadOutRequest } from './remote-output.js';

/**
 * Answers one request of another host (`kind` with its `payload`); rejects for an unknown kind.
 * @example `await answerRequest(rt, 'readOut', { name: 'bot', runId, n: 50, stream: 'stdout', raw: false })`
 */
export async function answerRequest(rt: Runtime, kind: string, payload: unknown): Promise<unknown> {
  if (kind === READ_OUT_REQUEST) {
    const p = payload as ReadOutRequest;
    const record = await rt.store.readTask(p.name);
    if (record === null) throw new TaskNotFoundError(p.name);
    return readTaskOutput(rt.folder, rt.store, record, p.n, { run: p.runId, stream: p.stream, raw: p.raw }, { stream: p.stream, raw: p.raw });
  }
  throw new Error(`Expected a known request kind (${READ_OUT_REQUEST}), got ${JSON.stringify(kind)}`);
}
