// Loads a CommonJS file of the build through `vm.Script` with a V8 code cache, so that a command run again skips
// compiling it (Node 20 keeps no compile cache of its own). Used by the bin for `executor ls`.
//
// - The file's first line is `//# executor-cache-key=<sha1>`, written by `npm run build` from the file's content: a
//   cache is used only for the very same bytes (V8's own check of cached data looks at the source's length only).
// - The cache lives in `$XDG_CACHE_HOME/executor-sdk` (else `~/.cache/executor-sdk`), in a folder per Node and V8
//   version and architecture, made 0700; a folder not owned by this user, or writable by others, is not used.
// - `NODE_DISABLE_COMPILE_CACHE` or `EXECUTOR_NO_COMPILE_CACHE` set to anything turns it off.
// - A missing or rejected cache is written once the command is done (temp file, then rename), and the caches other
//   builds wrote over a day ago are removed. Any failure just means no cache: the file is compiled as usual.
'use strict';
const { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } = require('node:fs');
const { createRequire, wrap } = require('node:module');
const { homedir } = require('node:os');
const { dirname, isAbsolute, join } = require('node:path');
const { Script } = require('node:vm');

const KEY_LINE = /^\/\/# executor-cache-key=([0-9a-f]{40})\n/;
const OWNER_ONLY = 0o700;
const WRITABLE_BY_OTHERS = 0o022;
/** Age after which another build's cache is removed when a new one is written: a day. */
const STALE_MS = 24 * 60 * 60 * 1000;

/** The cache folder for this Node, or null when caching is off or no safe folder can be had. */
function cacheFolder(env) {
  if (env.NODE_DISABLE_COMPILE_CACHE || env.EXECUTOR_NO_COMPILE_CACHE) return null;
  let base = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : null;
  try {
    base ??= join(homedir(), '.cache');
    const folder = join(base, 'executor-sdk', `node-${process.version}-v8-${process.versions.v8}-${process.arch}`);
    mkdirSync(folder, { recursive: true, mode: OWNER_ONLY });
    const stat = statSync(folder);
    const mine = typeof process.getuid !== 'function' || stat.uid === process.getuid();
    return mine && (stat.mode & WRITABLE_BY_OTHERS) === 0 ? folder : null;
  } catch {
    return null;
  }
}

/**
 * Writes `data` as `file` (temp file, rename) and removes the caches of `prefix` from other builds written over a
 * day ago (two installs of different versions on one machine keep theirs); errors ignored.
 */
function saveCache(folder, prefix, file, data) {
  try {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, file);
    const before = Date.now() - STALE_MS;
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (name.startsWith(prefix) && name.endsWith('.v8') && path !== file && statSync(path).mtimeMs < before) unlinkSync(path);
    }
  } catch {
    // no cache this time
  }
}

/**
 * Runs the CommonJS `file` and returns its `module.exports`, or null when the file has no cache key (then the caller
 * loads its ES module twin instead). The code cache is read before and written after the command (on `exit`).
 */
function requireCached(file, env = process.env) {
  const source = readFileSync(file, 'utf8');
  const key = KEY_LINE.exec(source);
  const folder = key === null ? null : cacheFolder(env);
  if (folder === null) return null;
  const prefix = `${file.replace(/^.*[\\/]/, '')}-`;
  const cacheFile = join(folder, `${prefix}${key[1]}.v8`);
  let cachedData;
  try { cachedData = readFileSync(cacheFile); } catch { cachedData = undefined; }
  const script = new Script(wrap(source), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => saveCache(folder, prefix, cacheFile, script.createCachedData()));
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  module.loaded = true;
  return module.exports;
}

module.exports = { requireCached };
