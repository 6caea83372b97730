// Who may talk to the dashboard: the Host check (no DNS rebinding), the token (off loopback), the POST header (no
// cross-site form posts), read-only mode, and the headers every answer carries (a strict CSP).
import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { HttpRefusal } from './http-errors.js';
import { isLoopback, LOOPBACK_HOSTS, type CheckedServeOptions } from './options.js';

/** The cookie that carries the token once a page was opened with `?token=`. */
export const TOKEN_COOKIE = 'executor_token';
/** Where the page's static script and style sheet are served (without a token). */
export const ASSETS_PATH = '/assets/';
/** The header a POST must carry (unless it carries `Authorization`): a cross-site form cannot set it. */
export const POST_HEADER = 'X-Executor';

/** The Content-Security-Policy of every answer: scripts and styles from this origin only, nothing inline. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
  "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');

// `Host` without its port: `[::1]:7070` → `::1`, `localhost:7070` → `localhost`.
function hostName(header: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracketed) return bracketed[1]!;
  return header.replace(/:\d+$/, '').toLowerCase();
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(c: Context): string | undefined {
  const header = c.req.header('authorization');
  const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  return match?.[1];
}

// A page opened with `?token=`: the answer sets the HttpOnly cookie that carries it from then on (the page's script
// then takes the token out of the address bar). True when the query held the token.
function tokenInQuery(c: Context, token: string): boolean {
  if (c.req.method !== 'GET' || !sameToken(c.req.query('token'), token)) return false;
  setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
  return true;
}

/**
 * The middleware that guards every route, in order: security headers; the `Host` check when bound to loopback;
 * the token when one is required (`?token=` on a GET is accepted and sets the cookie); on POST the custom header, then
 * read-only mode. A refusal throws `HttpRefusal` (401/403), answered by the app's error handler.
 * @example `app.use('*', guard(checked, token))`
 */
export function guard(options: CheckedServeOptions, token: string | null): MiddlewareHandler {
  const loopback = isLoopback(options.host);
  const hosts = new Set([...LOOPBACK_HOSTS, options.host.toLowerCase()]);
  return async (c, next) => {
    c.header('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cache-Control', 'no-store'); // live data; the assets say otherwise
    const host = c.req.header('host');
    if (loopback && (host === undefined || !hosts.has(hostName(host)))) {
      throw new HttpRefusal(403, 'ERR_FORBIDDEN_HOST', `Expected the Host header to be ${[...hosts].map((h) => (h.includes(':') ? `[${h}]` : h)).join(', ')}, got ${JSON.stringify(host ?? null)}.`);
    }
    // The script and style sheet are the package's own static code: the token page needs them before any token.
    const authorized = token === null || sameToken(bearer(c), token) || (c.req.method === 'GET' && c.req.path.startsWith(ASSETS_PATH));
    if (token !== null && !authorized && !tokenInQuery(c, token)) {
      if (!sameToken(getCookie(c, TOKEN_COOKIE), token)) throw new HttpRefusal(401, 'ERR_UNAUTHORIZED', 'Expected a token (Authorization: Bearer <token>, or open the page once with ?token=<token>), got none or a wrong one.');
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      if (c.req.header(POST_HEADER) === undefined && bearer(c) === undefined) throw new HttpRefusal(403, 'ERR_CSRF', `Expected the ${POST_HEADER}: 1 header (or Authorization) on a ${c.req.method}, got neither.`);
      if (options.readOnly) throw new HttpRefusal(403, 'ERR_READ_ONLY_DASHBOARD', 'Expected a dashboard with controls, got one started read-only: controls are refused.');
    }
    await next();
  };
}
