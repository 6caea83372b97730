// The dashboard's controls: `POST /api/...`, each one SDK call and nothing else (the CLI makes the same calls).
import type { Context, Hono } from 'hono';
import { InvalidPayloadError } from '../errors.js';
import type { DashboardSdk } from './sdk.js';
import type { RunTaskOptions } from '../task/manual.js';

/** Largest request body a control accepts, bytes (the SDK's payload limit is checked after parsing). */
export const MAX_BODY_BYTES = 1_048_576;

/**
 * The JSON body of a POST, or `undefined` when it is empty; refuses bodies that are not JSON with
 * `InvalidPayloadError` (400).
 */
export async function jsonBody(c: Context): Promise<unknown> {
  const declared = Number(c.req.header('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw new InvalidPayloadError('body', `JSON of at most ${MAX_BODY_BYTES} bytes`, `${declared} bytes`); // refused unread
  const text = await c.req.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new InvalidPayloadError('body', `JSON of at most ${MAX_BODY_BYTES} bytes`, `${Buffer.byteLength(text)} bytes`);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidPayloadError('body', 'JSON', (error as Error).message);
  }
}

/** The body of a control that takes named fields (`run`, `save`): an object, or nothing. */
async function objectBody(c: Context): Promise<Record<string, unknown>> {
  const body = await jsonBody(c);
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidPayloadError('body', 'a JSON object', body);
  return body as Record<string, unknown>;
}

/**
 * Registers the POST routes: task start/stop/restart/enable/disable/run, run cancel/save, and event emission.
 * @example `registerControls(app, ex)`
 */
export function registerControls(app: Hono, ex: DashboardSdk): void {
  const name = (c: Context): string => c.req.param('name')!;
  app.post('/api/tasks/:name/start', async (c) => c.json(await ex.startTask(name(c))));
  app.post('/api/tasks/:name/stop', async (c) => c.json(await ex.stopTask(name(c))));
  app.post('/api/tasks/:name/restart', async (c) => c.json(await ex.restartTask(name(c))));
  app.post('/api/tasks/:name/enable', async (c) => c.json(await ex.enableTask(name(c))));
  app.post('/api/tasks/:name/disable', async (c) => c.json(await ex.disableTask(name(c))));
  app.post('/api/tasks/:name/run', async (c) => c.json({ runId: await ex.runTask(name(c), (await objectBody(c)) as RunTaskOptions) }));
  app.post('/api/runs/:runId/cancel', async (c) => c.json(await ex.cancelRun(c.req.param('runId'))));
  app.post('/api/runs/:runId/save', async (c) => c.json(await ex.saveRun(c.req.param('runId'), (await objectBody(c)) as { name: string; description?: string })));
  app.post('/api/events/:type', async (c) => c.json(await ex.emitEvent(c.req.param('type'), await jsonBody(c)))); // as `emit --json`
}
