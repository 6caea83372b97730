// proper-lockfile, loaded on the first lock rather than at import (it brings graceful-fs, which patches `fs`).
type Lockfile = typeof import('proper-lockfile');

let loaded: Promise<Lockfile> | undefined;

/**
 * proper-lockfile's API, loaded once per process on first use.
 * @example `const release = await (await loadLockfile()).lock(path, { realpath: false });`
 */
export function loadLockfile(): Promise<Lockfile> {
  loaded ??= import('proper-lockfile').then((m) => m.default);
  return loaded;
}
