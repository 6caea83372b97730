// `GET /api/stream`: server-sent events for the live pages — task changes, the supervisor, executor-log lines, and
// the output of the task a page follows (`?follow=NAME`), across restarts.
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { Executor } from '../executor.js';
import { assertTaskName } from '../task/name.js';
import type { TableChange, TableFeed } from './changes.js';
import type { LineFeeds } from './line-feed.js';

/** How often an idle stream sends a comment, so proxies and browsers keep it open. */
export const PING_MS = 15_000;
/** How often the followed executor log is polled, ms. */
export const LOG_POLL_MS = 200;

/** What the stream route needs: the Executor, the shared feeds, and the server's closing signal. */
export interface StreamDeps { ex: Executor; table: TableFeed; lines: LineFeeds; closing: AbortSignal }

// Writes in order, one at a time; a write to a closed stream ends the queue quietly.
function writer(stream: SSEStreamingApi): (event: string, data: unknown) => void {
  let chain = Promise.resolve();
  return (event, data) => {
    chain = chain.then(() => (stream.aborted || stream.closed ? undefined : stream.writeSSE({ event, data: JSON.stringify(data) }))).catch(() => undefined);
  };
}

function tableMessages(send: (event: string, data: unknown) => void): (change: TableChange) => void {
  return (change) => {
    if (change.supervisorChanged) send('supervisor', change.supervisor);
    if (change.full || change.rows.length > 0 || change.removed.length > 0) send('tasks', { rows: change.rows, removed: change.removed, full: change.full });
  };
}

/**
 * Answers `GET /api/stream[?follow=NAME]`: `tasks` (`{ rows, removed, full }`, every row first), `supervisor`,
 * `log` (`{ line }`) and, with `follow`, `out` (`{ name, line }`) events, until the page goes or the server closes.
 * @example `app.get('/api/stream', (c) => streamRoute(c, deps))`
 */
export function streamRoute(c: Context, deps: StreamDeps): Response {
  const follow = c.req.query('follow');
  if (follow !== undefined) assertTaskName(follow);
  c.header('Cache-Control', 'no-store');
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    const send = writer(stream);
    const offs = [
      deps.table.subscribe(tableMessages(send)),
      deps.lines.subscribe('log', (signal) => deps.ex.followLog({ signal, pollMs: LOG_POLL_MS }), (line) => send('log', { line })),
    ];
    if (follow !== undefined) offs.push(deps.lines.subscribe(`out:${follow}`, (signal) => deps.ex.followOut(follow, { signal }), (line) => send('out', { name: follow, line })));
    const ping = setInterval(() => void stream.write(': ping\n\n').catch(() => undefined), PING_MS);
    await new Promise<void>((resolve) => {
      stream.onAbort(resolve);
      if (deps.closing.aborted) resolve();
      else deps.closing.addEventListener('abort', () => resolve(), { once: true });
    });
    clearInterval(ping);
    for (const off of offs) off();
  });
}
