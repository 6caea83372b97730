// The page's script and style sheet, as `npm run build` wrote them to dist/assets/ (read once, served from memory).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';

/** The files under `/assets/` and their content types. */
export const ASSETS: Readonly<Record<string, string>> = { 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };
/** How long a browser may keep an asset, seconds (a new build changes its ETag). */
export const ASSET_MAX_AGE_S = 300;

// dist/assets/ of this package: walk up from this module (dist/chunks/… when built, src/ui/ under tsx) to package.json.
function assetDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'dist', 'assets'))) return join(dir, 'dist', 'assets');
    const parent = dirname(dir);
    if (parent === dir) return join(dirname(fileURLToPath(import.meta.url)), '..', 'assets');
    dir = parent;
  }
}

/**
 * Registers `GET /assets/app.js` and `/assets/app.css`. A missing file (no build) answers 404 naming `npm run build`.
 * @example `registerAssets(app)`
 */
export function registerAssets(app: Hono): void {
  const dir = assetDir();
  const cache = new Map<string, { body: string; etag: string }>();
  app.get('/assets/:file', (c) => {
    const file = c.req.param('file');
    const type = ASSETS[file];
    if (type === undefined) return c.json({ error: { code: 'ERR_NOT_FOUND', message: `Expected an asset (${Object.keys(ASSETS).join(', ')}), got ${JSON.stringify(file)}.` } }, 404);
    let asset = cache.get(file);
    if (!asset) {
      const path = join(dir, file);
      if (!existsSync(path)) return c.json({ error: { code: 'ERR_NOT_FOUND', message: `Expected ${path} to exist, got nothing: run npm run build.` } }, 404);
      const body = readFileSync(path, 'utf8');
      asset = { body, etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
      cache.set(file, asset);
    }
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304);
    c.header('Content-Type', type);
    c.header('Cache-Control', `max-age=${ASSET_MAX_AGE_S}`);
    c.header('ETag', asset.etag);
    return c.body(asset.body);
  });
}
