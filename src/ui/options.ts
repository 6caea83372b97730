// `ex.serve()` / `executor ui` options: defaults and validation, next to the feature.
import { isIP } from 'node:net';
import { InvalidOptionError } from '../errors.js';

/** The port the dashboard listens on when none is given. */
export const DEFAULT_UI_PORT = 7070;
/** The address the dashboard binds to when none is given: loopback only. */
export const DEFAULT_UI_HOST = '127.0.0.1';
/** Shortest token accepted, in characters (a generated one is 32). */
export const MIN_TOKEN_LENGTH = 16;
/** The names that count as loopback, for the bind address and for the `Host` header. */
export const LOOPBACK_HOSTS: readonly string[] = ['127.0.0.1', '::1', 'localhost'];

/** Options of `ex.serve()`. */
export interface ServeOptions {
  /** TCP port; 0 picks a free one (read it from the handle's `url`). @defaultValue 7070 */
  port?: number;
  /** Address to bind: a loopback one keeps the dashboard to this machine; any other requires a token. @defaultValue '127.0.0.1' */
  host?: string;
  /** Hide every control and refuse every POST with 403. @defaultValue false */
  readOnly?: boolean;
  /**
   * Token every request must carry (`Authorization: Bearer <token>`, or the cookie set by opening a page with
   * `?token=`). Required off loopback: one is generated when none is given (read it from the handle).
   * @defaultValue none on loopback; a generated one elsewhere
   */
  token?: string;
}

/**
 * What `ex.serve()` resolves with.
 * @example `const { url, token, close } = await ex.serve({ port: 0 });`
 */
export interface ServeHandle {
  /** The dashboard's address, e.g. `http://127.0.0.1:7070/`. */
  url: string;
  /** The token requests must carry, or null when none is required (loopback without `token`). */
  token: string | null;
  /** Stops listening, ends the open live streams, and resolves once the server is closed. */
  close(): Promise<void>;
}

/** Checked options, every default filled. */
export interface CheckedServeOptions { port: number; host: string; readOnly: boolean; token: string | null }

/** True for an address or name that only this machine can reach. */
export function isLoopback(host: string): boolean {
  return LOOPBACK_HOSTS.includes(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Checks `ex.serve()`'s options (throws `InvalidOptionError` naming the option); fills the defaults.
 * @example `checkServeOptions({ port: 0 }) // { port: 0, host: '127.0.0.1', readOnly: false, token: null }`
 */
export function checkServeOptions(options: unknown): CheckedServeOptions {
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new InvalidOptionError('options', 'an object', options);
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!['port', 'host', 'readOnly', 'token'].includes(key)) throw new InvalidOptionError('options', 'made of known options (port, host, readOnly, token)', key);
  const port = o.port ?? DEFAULT_UI_PORT;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidOptionError('port', 'an integer from 0 to 65535', o.port);
  const host = o.host ?? DEFAULT_UI_HOST;
  if (typeof host !== 'string' || (host !== 'localhost' && isIP(host) === 0 && !/^[A-Za-z0-9.-]{1,253}$/.test(host))) throw new InvalidOptionError('host', 'an IP address or a host name', o.host);
  const readOnly = o.readOnly ?? false;
  if (typeof readOnly !== 'boolean') throw new InvalidOptionError('readOnly', 'a boolean', o.readOnly);
  const token = o.token ?? null;
  if (token !== null && (typeof token !== 'string' || token.length < MIN_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(token))) {
    throw new InvalidOptionError('token', `a string of at least ${MIN_TOKEN_LENGTH} printable characters without spaces`, o.token);
  }
  return { port, host, readOnly, token: token as string | null };
}
