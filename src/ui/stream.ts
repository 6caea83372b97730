// `GET /api/stream`: server-sent events for the live pages — task changes, the supervisor, executor-log lines, and
// the output of the task a page follows (`?follow=NAME`), across restarts.
import type { Context } from 'hono';
import { streamSSE, type SSEStreamingApi } from 'hono/streaming';
import type { DashboardSdk } from './sdk.js';
import type { FilePosition } from '../output/follow.js';
import { assertTaskName } from '../task/name.js';
import type { TableChange, TableFeed } from './changes.js';
import type { LineFeeds } from './line-feed.js';
import { followFrom, logFile, outputFile, parseMark } from './snapshot.js';

/** How often an idle stream sends a comment, so proxies and browsers keep it open. */
export const PING_MS = 15_000;
/** How often the followed executor log is polled, ms. */
export const LOG_POLL_MS = 200;

/** What the stream route needs: the Executor, the shared feeds, and the server's closing signal. */
export interface StreamDeps { ex: DashboardSdk; table: TableFeed; lines: LineFeeds; closing: AbortSignal }

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

// A follower of this page's own (started at the page's mark, so not shared); returns its stopper.
function own(follow: (signal: AbortSignal) => AsyncIterable<string>, listener: (line: string) => void): () => void {
  const abort = new AbortController();
  void (async () => {
    for await (const line of follow(abort.signal)) listener(line);
  })().catch(() => undefined);
  return () => abort.abort();
}

// `out` lines of the followed task: from the page's mark (a script's current output), else shared, from now.
function outLines(deps: StreamDeps, name: string, from: FilePosition | null | undefined, send: (event: string, data: unknown) => void): () => void {
  const listener = (line: string): void => send('out', { name, line });
  if (from === undefined) return deps.lines.subscribe(`out:${name}`, (signal) => deps.ex.followOut(name, { signal }), listener);
  return own((signal) => followFrom(outputFile(deps.ex, name), from, signal, false), listener);
}

/**
 * Answers `GET /api/stream[?follow=NAME[&from=MARK]][&logFrom=MARK]`: `tasks` (`{ rows, removed, full }`, every row
 * first), `supervisor`, `log` (`{ line }`) and, with `follow`, `out` (`{ name, line }`) events, until the page goes or
 * the server closes. A mark (a followed page's `data-follow-from`) starts that follower where the page's lines end.
 * @example `app.get('/api/stream', (c) => streamRoute(c, deps))`
 */
export function streamRoute(c: Context, deps: StreamDeps): Response {
  const follow = c.req.query('follow');
  if (follow !== undefined) assertTaskName(follow);
  const fromText = c.req.query('from');
  const from = fromText === undefined ? undefined : parseMark(fromText, 'from');
  const logFromText = c.req.query('logFrom');
  const logFrom = logFromText === undefined ? undefined : parseMark(logFromText, 'logFrom');
  c.header('Cache-Control', 'no-store');
  c.header('X-Accel-Buffering', 'no');
  return streamSSE(c, async (stream) => {
    const send = writer(stream);
    const offs = [
      deps.table.subscribe(tableMessages(send)),
      logFrom === undefined
        ? deps.lines.subscribe('log', (signal) => deps.ex.followLog({ signal, pollMs: LOG_POLL_MS }), (line) => send('log', { line }))
        : own((signal) => followFrom(logFile(deps.ex), logFrom, signal, true), (line) => send('log', { line })),
    ];
    if (follow !== undefined) offs.push(outLines(deps, follow, from, send));
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
