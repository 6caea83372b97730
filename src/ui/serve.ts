// `ex.serve()`: the dashboard on a local HTTP server (@hono/node-server), for this Executor's folder.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { DashboardSdk } from './sdk.js';
import { createApp } from './app.js';
import { isLoopback, type CheckedServeOptions, type ServeHandle } from './options.js';
import { ServeError } from './serve-error.js';

/** Bytes of randomness in a generated token (32 base64url characters). */
export const TOKEN_BYTES = 24;

function urlOf(host: string, port: number): string {
  const shown = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return `http://${shown}:${port}/`;
}

/**
 * Starts the dashboard on `options.host:options.port` and resolves once it listens. Off loopback a token is required:
 * the given one, or a generated one (in the handle). Rejects with `ServeError` when it cannot listen.
 * @example `const { url, close } = await serveDashboard(ex, checkServeOptions({ port: 0 }));`
 */
export function serveDashboard(ex: DashboardSdk, options: CheckedServeOptions): Promise<ServeHandle> {
  const token = options.token ?? (isLoopback(options.host) ? null : randomBytes(TOKEN_BYTES).toString('base64url'));
  const dashboard = createApp(ex, options, token);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: dashboard.app.fetch, port: options.port, hostname: options.host });
    const failed = (error: Error): void => {
      dashboard.close();
      reject(new ServeError(`${options.host}:${options.port}`, error));
    };
    server.once('error', failed);
    server.once('listening', () => {
      server.off('error', failed);
      server.on('error', () => undefined);
      const { port } = server.address() as AddressInfo;
      let closed: Promise<void> | null = null;
      resolve({
        url: urlOf(options.host, port),
        token,
        close: () => (closed ??= new Promise<void>((done) => {
          dashboard.close();
          server.close(() => done());
          (server as { closeAllConnections?: () => void }).closeAllConnections?.();
        })),
      });
    });
  });
}
