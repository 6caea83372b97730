// execa, loaded on the first spawn rather than at import: most of its weight is never needed by a process that only
// reads the table. Node caches the module, so this holds no state of its own beyond the resolved namespace.
type Execa = typeof import('execa');

let loaded: Execa | undefined;

/**
 * Loads execa (once per process); await it before {@link spawnedExeca} or a synchronous spawn.
 * @example `await loadExeca(); const run = spawnRun(opts);`
 */
export async function loadExeca(): Promise<Execa> {
  loaded ??= await import('execa');
  return loaded;
}

/** The execa namespace once {@link loadExeca} has resolved; throws if a caller skipped it (a bug, not a user error). */
export function spawnedExeca(): Execa {
  if (loaded === undefined) throw new Error('internal: execa was used before loadExeca() resolved');
  return loaded;
}
