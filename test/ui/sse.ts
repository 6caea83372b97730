// Test helper: a tiny server-sent-events reader over Node's fetch (reads `res.body`, parses `event:`/`data:` blocks),
// with deadlines on every wait.
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

/** One event of the stream; `json` is `data` parsed (undefined when it is not JSON). */
export interface SseEvent {
  event: string;
  data: string;
  json: unknown;
}

/** An open stream: every event so far, in order, and waits on them. */
export interface SseStream {
  /** The answer's status and headers. */
  status: number;
  headers: Headers;
  /** Every event received so far, in order. */
  readonly events: SseEvent[];
  /** Comment lines (`: ping`) received so far, without the colon. */
  readonly comments: string[];
  /** The number of events so far: pass it as `after` to wait only for later events. */
  mark(): number;
  /** Why the stream ended (the server ended it, or it failed), or null while it is open. */
  ended(): string | null;
  /**
   * Resolves with the first event at index >= `after` named `event` whose JSON satisfies `match`; throws after
   * `timeoutMs` (unscaled: waitUntil scales it) or as soon as the stream has ended without one.
   */
  next<T = unknown>(event: string, match?: (json: T) => boolean, options?: { after?: number; timeoutMs?: number; what?: string }): Promise<SseEvent & { json: T }>;
  /** Aborts the request and waits for the reader to stop. */
  close(): Promise<void>;
}

/** Parses one `\n\n`-separated block; null for a block of comments only. */
function parseBlock(block: string, comments: string[]): SseEvent | null {
  let event = 'message';
  const data: string[] = [];
  let any = false;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      comments.push(line.slice(1).trim());
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') { event = value; any = true; }
    if (field === 'data') { data.push(value); any = true; }
  }
  if (!any) return null;
  const text = data.join('\n');
  let json: unknown;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { event, data: text, json };
}

/** Opens `url` as an event stream (resolves once the answer's headers are in, within `T(10 s)`). */
export async function openStream(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const controller = new AbortController();
  const headersTimeout = setTimeout(() => controller.abort(new Error(`GET ${url}: no answer within ${T(10_000)} ms`)), T(10_000));
  let res: Response;
  try {
    res = await fetch(url, { headers: { Accept: 'text/event-stream', ...headers }, signal: controller.signal });
  } finally {
    clearTimeout(headersTimeout);
  }
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let ended: string | null = null;
  const pump = (async () => {
    if (!res.body) { ended = 'no body'; return; }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer = (buffer + decoder.decode(value, { stream: true })).replace(/\r\n?/g, '\n');
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) !== -1) {
          const parsed = parseBlock(buffer.slice(0, cut), comments);
          buffer = buffer.slice(cut + 2);
          if (parsed) events.push(parsed);
        }
      }
      ended = 'the server ended the stream';
    } catch (error) {
      ended = `the stream failed: ${(error as Error).message}`;
    }
  })();
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    mark: () => events.length,
    ended: () => ended,
    async next<T>(event: string, match: (json: T) => boolean = () => true, options: { after?: number; timeoutMs?: number; what?: string } = {}) {
      const { after = 0, timeoutMs = 10_000, what = `a '${event}' event` } = options;
      const found = (): (SseEvent & { json: T }) | undefined => {
        const hit = events.slice(after).find((e) => e.event === event && match(e.json as T));
        if (!hit && ended !== null) throw new Error(`${what}: none before ${ended} (events: ${events.map((e) => e.event).join(', ')})`);
        return hit as (SseEvent & { json: T }) | undefined;
      };
      return waitUntil(found, { timeoutMs, what: `${what} (events so far: ${events.length})` });
    },
    async close() {
      controller.abort();
      await pump;
    },
  };
}
