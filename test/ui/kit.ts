// Test helper for the dashboard suites: Executors on temp folders (useExecutors), dashboards served on free ports,
// live streams and supervisors, all closed after each test; plain HTTP requests with any header (Host included).
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { Executor, SupervisorHandle } from '../../src/index.js';
import type { ServeHandle, ServeOptions } from '../../src/ui/options.js';
import { useExecutors, type ExecutorKit } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { openStream, type SseStream } from './sse.js';

/** Absolute path of `test/fixtures/ui/`. */
export const UI_FIXTURES = fileURLToPath(new URL('../fixtures/ui/', import.meta.url));

/** One HTTP answer. `json` is the parsed body when it is JSON, else undefined. */
export interface Reply<T = unknown> {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: T;
}

/** One request: `path` relative to the server root (`/api/tasks`), sent as is (no normalisation of `..`). */
export interface RequestSpec {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
}

/** Sends one request to `base` (an `http://host:port/` URL) with node:http, so any `Host` header can be set. */
export function request<T = unknown>(base: string, spec: RequestSpec): Promise<Reply<T>> {
  const url = new URL(base);
  const body = spec.body === undefined ? undefined : typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
  const headers: Record<string, string> = { ...spec.headers };
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  const timeoutMs = T(15_000);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port, method: spec.method ?? 'GET', path: spec.path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => { text += c; });
      res.on('error', reject);
      res.on('end', () => {
        let json: unknown;
        if (/json/.test(String(res.headers['content-type']))) json = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: json as T });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${spec.method ?? 'GET'} ${spec.path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A served dashboard and requests to it (with its token, when it has one, unless `auth: false`). */
export class Dashboard {
  constructor(readonly handle: ServeHandle) {}

  /** The server root, e.g. `http://127.0.0.1:41234/`. */
  get url(): string {
    return this.handle.url;
  }

  /** `Authorization: Bearer <token>` when the dashboard has a token, else nothing. */
  auth(): Record<string, string> {
    return this.handle.token ? { Authorization: `Bearer ${this.handle.token}` } : {};
  }

  /** GET `path` (with the token, if any). */
  get<T = unknown>(path: string, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return request<T>(this.url, { path, headers: { ...this.auth(), ...headers } });
  }

  /** POST `path` with `X-Executor: 1` (and the token, if any); `body` as JSON unless a string. */
  post<T = unknown>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    return request<T>(this.url, { method: 'POST', path, body, headers: { 'X-Executor': '1', ...this.auth(), ...headers } });
  }

  /** Any request, headers as given (no token, no `X-Executor`). */
  raw<T = unknown>(spec: RequestSpec): Promise<Reply<T>> {
    return request<T>(this.url, spec);
  }
}

/** What `useDashboard()` gives a test file. */
export interface DashboardKit extends ExecutorKit {
  /** `ex.serve({ port: 0, ...options })`; closed after the test. */
  serve(ex: Executor, options?: ServeOptions): Promise<Dashboard>;
  /** Opens `GET path` as a live stream (`/api/stream?...`); closed after the test. */
  stream(dashboard: Dashboard, path?: string): Promise<SseStream>;
  /** `ex.keepRestarting()`, stopped after the test. */
  supervise(ex: Executor): SupervisorHandle;
}

/** Registers an afterEach that closes streams, dashboards and supervisors (newest first), then useExecutors' cleanup. */
export function useDashboard(): DashboardKit {
  const kit = useExecutors();
  const closers: (() => Promise<unknown>)[] = [];
  // Registered after useExecutors' hook, so it runs first (vitest runs after-hooks as a stack).
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });
  return {
    ...kit,
    async serve(ex, options = {}) {
      const handle = await ex.serve({ port: 0, ...options });
      closers.push(() => handle.close());
      return new Dashboard(handle);
    },
    async stream(dashboard, path = '/api/stream') {
      const stream = await openStream(new URL(path, dashboard.url).href, dashboard.auth());
      closers.push(() => stream.close());
      return stream;
    },
    supervise(ex) {
      const handle = ex.keepRestarting({ sleep: 0.2 });
      closers.push(() => handle.stop());
      return handle;
    },
  };
}

/** The row fields that change from one read to the next while nothing happens (sampled usage). */
export function stable<T extends { cpu?: unknown; rss?: unknown }>(row: T): Omit<T, 'cpu' | 'rss'> {
  const { cpu: _cpu, rss: _rss, ...rest } = row;
  return rest;
}

/** The value as a JSON round trip would give it (what an API answer holds). */
export function asJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
