// Where a start finds a task's kept secret values, whatever HOME it runs with. In order (docs/security.md):
//  1. the store the task record names (`secretsRef.root`: where `addTask` wrote them, whichever user or HOME ran it);
//  2. this process's own stores: `$EXECUTOR_SECRETS_DIR`, `$XDG_STATE_HOME/executor-sdk/secrets`,
//     `$HOME/.local/state/executor-sdk/secrets`, then the same under its user's home in the account database;
//  3. `<home>/.local/state/executor-sdk/secrets` of the folder's owner (the uid owning the folder, account database).
// In each, `<id>-<hash of the folder's real path>/<task>.json`, then `previous/<task>.<gen>.json`; only a copy of the
// generation the record names counts. A store this process may not read (another user's, 0700) is passed over and said.
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { resolveAccount } from '../process/user.js';
import {
  currentFileIn, folderStoreDir, HOME_STORE, LEGACY_GEN, previousFileIn, queuedFileIn, readKept, SECRETS_DIR_ENV,
  SecretsFileError, type KeptRead, type SecretsRef, type TaskSecrets,
} from './secrets-store.js';

/** The folder and id a store directory belongs to. */
export interface StoreOwner {
  folder: string;
  id: string;
}

// Home directories by uid, from the account database (null: no such account). Cached for the process's life.
const homes = new Map<number, string | null>();
function storeOfUid(uid: number | undefined): string | null {
  if (uid === undefined) return null;
  if (!homes.has(uid)) {
    let home: string | null;
    try { home = resolveAccount({ user: String(uid) })?.home ?? null; } catch { home = null; }
    homes.set(uid, home);
  }
  const home = homes.get(uid);
  return home ? join(home, HOME_STORE) : null;
}

/**
 * This process's own store roots, in lookup order: `$EXECUTOR_SECRETS_DIR`, `$XDG_STATE_HOME/executor-sdk/secrets`,
 * `$HOME/.local/state/executor-sdk/secrets`, and that under its user's home in the account database.
 * @example `ownRoots() // ['/root/.local/state/executor-sdk/secrets']`
 */
export function ownRoots(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  const own = env[SECRETS_DIR_ENV];
  if (own !== undefined && own !== '') out.push(resolve(own));
  const state = env.XDG_STATE_HOME;
  if (state !== undefined && isAbsolute(state)) out.push(join(state, 'executor-sdk', 'secrets'));
  const home = env.HOME;
  out.push(join(home !== undefined && isAbsolute(home) ? home : homedir(), HOME_STORE));
  const account = storeOfUid(process.geteuid?.());
  if (account !== null) out.push(account);
  return out;
}

/**
 * The store root of the executor folder's owner (`<home>/.local/state/executor-sdk/secrets`), or none when the folder
 * cannot be stat'ed or its uid has no account.
 * @example `ownerRoots('/srv/exec') // ['/home/svc/.local/state/executor-sdk/secrets']`
 */
export function ownerRoots(folder: string): string[] {
  let uid: number;
  try { uid = statSync(folder).uid; } catch { return []; }
  const root = storeOfUid(uid);
  return root === null ? [] : [root];
}

/**
 * Every store root a task's values may be in, in lookup order, without repeats: `hint` (the root its record names),
 * then {@link ownRoots}, then {@link ownerRoots}.
 * @example `lookupRoots('/srv/exec', record.task.secretsRef?.root ?? null)`
 */
export function lookupRoots(folder: string, hint: string | null, env: NodeJS.ProcessEnv = process.env): string[] {
  return [...new Set([...(hint === null ? [] : [hint]), ...ownRoots(env), ...ownerRoots(folder)])];
}

const MISSING = Symbol('secrets missing');
type Missing = SecretsFileError & { [MISSING]?: string };

/**
 * The typed error of values found nowhere (`file`: where they were looked for first); `unmaskEnv` adds the variable
 * names to its problem.
 * @example `throw missing(file, 'no copy of task "api"\'s values in …')`
 */
export function missing(file: string, problem: string): SecretsFileError {
  return Object.assign(new SecretsFileError(file, problem), { [MISSING]: problem });
}

/**
 * The problem of a "found nowhere" error from {@link findTaskSecrets} / {@link findQueuedSecrets}, or null for any
 * other error.
 * @example `const problem = missingProblem(error) // 'no copy of generation … in …'`
 */
export function missingProblem(error: unknown): string | null {
  return error instanceof SecretsFileError ? (error as Missing)[MISSING] ?? null : null;
}

/** A task's kept values and the file they came from. */
export interface FoundSecrets {
  file: string;
  secrets: TaskSecrets;
}

/**
 * The kept values of task `name` that go with its record's `ref` (`null`: a record without one, whose file has no
 * generation), looked up in {@link lookupRoots} order. Throws `SecretsFileError` (`ERR_ENV_FILE`) naming the task and
 * every file looked in when no copy of that generation is found, or when a file found is not a secrets file.
 * @example `findTaskSecrets({ folder, id }, 'api', record.task.secretsRef ?? null).secrets.env.API_KEY`
 */
export function findTaskSecrets(where: StoreOwner, name: string, ref: SecretsRef | null): FoundSecrets {
  const want = ref?.gen ?? LEGACY_GEN;
  const looked: Looked[] = [];
  for (const root of lookupRoots(where.folder, ref?.root ?? null)) {
    const dir = folderStoreDir(root, where.folder, where.id);
    const current = currentFileIn(dir, name);
    const kept = readKept(current);
    if (kept.state === 'found' && kept.gen === want) return { file: current, secrets: kept.secrets };
    const previous = previousFileIn(dir, name, want);
    const old = kept.state === 'unreadable' ? kept : readKept(previous);
    if (old.state === 'found' && old.gen === want) return { file: previous, secrets: old.secrets };
    looked.push({ file: current, note: kept.state === 'found' ? `holds generation ${kept.gen}` : noteOf(kept) });
  }
  const what = ref === null ? 'no copy' : `no copy of generation ${want}`;
  return fail(looked, `${what} of task ${JSON.stringify(name)}'s values in ${list(looked)} (nor in previous/ beside them); add the task again with { replace: true } to keep them again`);
}

/**
 * A queued run's kept env (see `keepQueuedEnv`), looked up in {@link lookupRoots} order (`hint`: the root its task's
 * record names). Throws `SecretsFileError` naming the task, the run and every file looked in when it is nowhere.
 * @example `findQueuedSecrets({ folder, id }, 'api', runId, null).env.QUEUED_TOKEN`
 */
export function findQueuedSecrets(where: StoreOwner, name: string, runId: string, hint: string | null): { file: string; env: Record<string, string> } {
  const looked: Looked[] = [];
  for (const root of lookupRoots(where.folder, hint)) {
    const file = queuedFileIn(folderStoreDir(root, where.folder, where.id), name, runId);
    const kept = readKept(file);
    if (kept.state === 'found') return { file, env: kept.secrets.env };
    looked.push({ file, note: noteOf(kept) });
  }
  return fail(looked, `no kept env of task ${JSON.stringify(name)}'s queued run ${runId} in ${list(looked)}; cancel it and run it again`);
}

/** A file looked in, and what was there. */
interface Looked {
  file: string;
  note: string;
}

const noteOf = (kept: KeptRead): string => (kept.state === 'unreadable' ? `not readable: ${kept.problem}` : kept.state);
const list = (looked: readonly Looked[]): string => looked.map((l) => `${l.file} (${l.note})`).join(', ');

// Found nowhere: the error names the first file looked in (the one the record points at) and lists them all.
function fail(looked: readonly Looked[], problem: string): never {
  throw missing(looked[0]?.file ?? '', problem);
}
