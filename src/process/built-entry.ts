// Where a script the library runs as its own Node process (the output writer, a cluster host's watchdog) is, built.
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the build, next to `src/`, used when the library runs from source (tests). */
export const BUILD_DIR = 'dist';
/** Name of the source folder. */
export const SOURCE_DIR = 'src';

/**
 * Path of the built entry `<area>/<file>` (e.g. `output/writer-main.js`) seen from the module at `base`: in the built
 * layout, `dist/<area>/<file>` (from `dist/<any>/x.js` one level up, from `dist/index.js` beside it); running from
 * source (`src/<dir>/*.ts` under vitest), the `.ts` entry cannot be run by plain Node, so the built file of the same
 * package is used (`npm test` builds first). Null when none exists.
 * @example `resolveBuiltEntry('cluster', 'watchdog-main.js', import.meta.url)`
 */
export function resolveBuiltEntry(area: string, file: string, base: string): string | null {
  const sibling = fileURLToPath(new URL(`../${area}/${file}`, base));
  const topLevel = fileURLToPath(new URL(`./${area}/${file}`, base));
  const srcDir = dirname(dirname(fileURLToPath(base)));
  const built = join(dirname(srcDir), BUILD_DIR, area, file);
  if (existsSync(sibling)) return sibling;
  if (existsSync(topLevel)) return topLevel;
  return basename(srcDir) === SOURCE_DIR && existsSync(built) ? built : null;
}
