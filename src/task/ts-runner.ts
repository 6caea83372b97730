// What runs a TypeScript script: the user's own tsx (from the task's wd, then from this package's folder), else Node's
// own type stripping (22.6+), else nothing (InterpreterMissingError). Found by looking at files only: no spawn, and tsx
// is never loaded into this process.
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InterpreterMissingError } from '../errors.js';

/** The Node flag that runs `.ts` files by stripping their types (Node 22.6 and later). */
export const STRIP_TYPES_FLAG = '--experimental-strip-types';

/** The first Node version with {@link STRIP_TYPES_FLAG}. */
const STRIP_TYPES_SINCE: readonly [number, number] = [22, 6];

/** The conditions Node's `--import` resolves a package's `exports` with. */
const IMPORT_CONDITIONS = new Set(['node', 'import', 'default']);

/** Interpreter labels (the name or the extension it was chosen by) that mean the built-in TypeScript runner. */
const TS_LABELS = new Set(['tsx', '.ts', '.mts']);

/** Where a TypeScript runner was found. */
export type TsRunnerSource = 'wd' | 'package' | 'strip-types';

/** A resolved TypeScript runner: the argv prefix, and where it came from. */
export interface TsRunner {
  /** The interpreter command, e.g. `[node, '--import', 'file:///srv/app/node_modules/tsx/dist/loader.mjs']`. */
  command: string[];
  /** `wd` (the task's own tsx), `package` (tsx next to executor-sdk) or `strip-types` (Node alone). */
  source: TsRunnerSource;
}

/** What {@link resolveTsRunner} looks from. */
export interface TsRunnerOptions {
  /** The task's (or step's) working directory: its `node_modules` and its parents' are looked in first. */
  wd: string;
  /** The script, for the error message. */
  script: string;
  /** True when `tsx` was asked for by name: Node's type stripping does not stand in for it. @defaultValue false */
  tsxOnly?: boolean;
  /** Where executor-sdk lives: its `node_modules` and its parents' come second. @defaultValue this module's URL */
  packageUrl?: string | URL;
  /** The Node version that will run the script. @defaultValue process.versions.node */
  nodeVersion?: string;
  /** The node binary. @defaultValue process.execPath */
  execPath?: string;
}

// The `node_modules` folders Node would look in for a bare import from `from` (a file path or URL), nearest first.
function nodeModulesFolders(from: string | URL): string[] {
  return (createRequire(from).resolve.paths('tsx') ?? []).filter((dir) => basename(dir) === 'node_modules');
}

// The file an `exports` target resolves to under the import conditions, or null.
function exportTarget(target: unknown): string | null {
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = exportTarget(item);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof target !== 'object' || target === null) return null;
  for (const [key, value] of Object.entries(target)) {
    if (!IMPORT_CONDITIONS.has(key)) continue;
    const found = exportTarget(value);
    if (found !== null) return found;
  }
  return null;
}

// The entry a bare `import 'pkg'` loads, relative to the package folder, from its package.json.
function packageEntry(pkg: { exports?: unknown; main?: unknown }): string | null {
  const { exports } = pkg;
  if (exports === undefined || exports === null) return typeof pkg.main === 'string' ? pkg.main : 'index.js';
  const subpaths = typeof exports === 'object' && !Array.isArray(exports) && Object.keys(exports).some((k) => k.startsWith('.'));
  return exportTarget(subpaths ? (exports as Record<string, unknown>)['.'] : exports);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The file URL of the module `import 'tsx'` would load from `from` (a file path or URL), or null when none of the
 * `node_modules` folders Node would look in has a usable tsx. The path is kept as found (a symlinked install keeps
 * its link's path). Reads package.json files only.
 *
 * @example
 * ```ts
 * findTsxLoader(join('/srv/app', 'noop.js')); // 'file:///srv/app/node_modules/tsx/dist/loader.mjs'
 * ```
 */
export function findTsxLoader(from: string | URL): string | null {
  for (const dir of nodeModulesFolders(from)) {
    const pkgDir = join(dir, 'tsx');
    const manifest = join(pkgDir, 'package.json');
    if (!isFile(manifest)) continue;
    let entry: string | null;
    try {
      entry = packageEntry(JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: unknown; main?: unknown });
    } catch {
      continue;
    }
    const file = entry === null ? null : resolve(pkgDir, entry);
    if (file !== null && isFile(file)) return pathToFileURL(file).href;
  }
  return null;
}

/** True when Node `version` (`'22.6.0'`) runs `.ts` files with {@link STRIP_TYPES_FLAG}. */
export function canStripTypes(version: string): boolean {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  const [sinceMajor, sinceMinor] = STRIP_TYPES_SINCE;
  return major > sinceMajor || (major === sinceMajor && minor >= sinceMinor);
}

/**
 * Chooses what runs a TypeScript script: tsx from `wd`'s `node_modules` chain, else tsx from the package's, else (not
 * for `tsxOnly`) `node --experimental-strip-types` on Node 22.6 or later.
 *
 * @throws InterpreterMissingError when none is available.
 * @example
 * ```ts
 * resolveTsRunner({ wd: '/srv/app', script: '/srv/app/job.ts' });
 * // { command: ['/usr/bin/node', '--import', 'file:///srv/app/node_modules/tsx/dist/loader.mjs'], source: 'wd' }
 * ```
 */
export function resolveTsRunner(options: TsRunnerOptions): TsRunner {
  const node = options.execPath ?? process.execPath;
  const fromWd = findTsxLoader(join(options.wd, 'noop.js'));
  if (fromWd !== null) return { command: [node, '--import', fromWd], source: 'wd' };
  const fromPackage = findTsxLoader(options.packageUrl ?? import.meta.url);
  if (fromPackage !== null) return { command: [node, '--import', fromPackage], source: 'package' };
  const version = options.nodeVersion ?? process.versions.node;
  if (options.tsxOnly === true) throw new InterpreterMissingError(options.script, options.wd, 'the `tsx` interpreter was asked for by name');
  if (canStripTypes(version)) return { command: [node, STRIP_TYPES_FLAG], source: 'strip-types' };
  throw new InterpreterMissingError(options.script, options.wd, `Node ${version} cannot strip types: that needs ${STRIP_TYPES_SINCE.join('.')} or later`);
}

/** True when `command` (chosen by `label`) is the built-in TypeScript runner, as stored by this or an older version. */
export function isBuiltinTsCommand(label: string | null, command: readonly string[]): boolean {
  if (label === null || !TS_LABELS.has(label)) return false;
  if (command.length === 2) return command[1] === STRIP_TYPES_FLAG;
  return command.length === 3 && command[1] === '--import' && /[\\/]node_modules[\\/]tsx[\\/]/.test(command[2]!);
}

/**
 * The interpreter command to spawn now: a stored built-in TypeScript runner is resolved again (tsx may have been
 * installed, moved or removed since the task was added); any other command is returned as stored.
 *
 * @throws InterpreterMissingError when a TypeScript runner is needed and none is available.
 */
export function commandForRun(label: string | null, command: string[], wd: string, script: string): string[] {
  if (!isBuiltinTsCommand(label, command)) return command;
  return resolveTsRunner({ wd, script, tsxOnly: label === 'tsx' }).command;
}
