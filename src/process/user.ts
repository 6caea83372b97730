// Whose a run is: a task's `user` / `group` resolved from the system databases, and whether this process may use them.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { InvalidOptionError } from '../errors.js';
import { PermissionError } from '../errors/task.js';

/** The system's account databases, read first (no fork); `getent` is asked only for names they do not hold (NSS, LDAP). */
export const PASSWD_FILE = '/etc/passwd';
/** See {@link PASSWD_FILE}. */
export const GROUP_FILE = '/etc/group';
/** Asked for accounts the files above do not hold. */
export const GETENT = 'getent';
/** How long `getent` may take (a slow directory service), ms. */
export const GETENT_TIMEOUT_MS = 5_000;

/**
 * Where `setpriv` (util-linux; Essential on Debian/Ubuntu) is looked for: it switches the run's command to its account
 * with the user's supplementary groups (`--init-groups`), as `su`, `runuser` and systemd's `User=` do.
 */
export const SETPRIV_PATHS = ['/usr/bin/setpriv', '/bin/setpriv'] as const;

/** The account a run runs as, resolved. */
export interface RunAccount {
  /** User id the run's command (the script, its interpreter and children) runs with. */
  uid: number;
  /** Group id it runs with. */
  gid: number;
  /** User name (`USER`, `LOGNAME`). */
  user: string;
  /** Home folder (`HOME`). */
  home: string;
  /** Login shell, as the database holds it (not used to run anything). */
  shell: string;
}

/** The task fields this module reads. */
export interface AccountSpec {
  /** User name or numeric uid, or null/absent for the Executor's own user. */
  user?: string | null;
  /** Group name or numeric gid, or null/absent for the user's primary group. */
  group?: string | null;
}

// The entry of `database` whose name (field 0) or id (field 2) is `key`: from the file, else from getent.
function lookup(file: string, database: 'passwd' | 'group', key: string): string[] | null {
  const byId = /^\d+$/.test(key);
  const match = (fields: string[]): boolean => (byId ? fields[2] === key : fields[0] === key);
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch { text = ''; }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 3 && match(fields)) return fields;
  }
  try {
    const out = execFileSync(GETENT, [database, key], { encoding: 'utf8', timeout: GETENT_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
    const fields = out.split('\n')[0]!.split(':');
    return fields.length >= 3 && match(fields) ? fields : null;
  } catch {
    return null; // not found (exit 2), or no getent
  }
}

function idOf(fields: string[], index: number): number {
  const n = Number(fields[index]);
  return Number.isSafeInteger(n) && n >= 0 ? n : NaN;
}

/**
 * Resolves `user` and `group` (names or numeric ids) from `/etc/passwd` and `/etc/group`, then `getent` (NSS). Null
 * when neither is set. A `group` alone keeps the current user (and its name and home) with that group.
 *
 * @throws {InvalidOptionError} when a name or id is not in the databases.
 * @example
 * ```ts
 * resolveAccount({ user: 'nobody' }); // { uid: 65534, gid: 65534, user: 'nobody', home: '/nonexistent', shell: '/usr/sbin/nologin' }
 * ```
 */
export function resolveAccount(spec: AccountSpec): RunAccount | null {
  const user = spec.user ?? null;
  const group = spec.group ?? null;
  if (user === null && group === null) return null;
  const key = user ?? String(process.getuid?.() ?? 0);
  const pw = lookup(PASSWD_FILE, 'passwd', key);
  if (!pw || Number.isNaN(idOf(pw, 2)) || Number.isNaN(idOf(pw, 3))) {
    throw new InvalidOptionError('user', 'a user of this system (in /etc/passwd or getent passwd)', user ?? key);
  }
  let gid = idOf(pw, 3);
  if (group !== null) {
    const gr = lookup(GROUP_FILE, 'group', group);
    if (!gr || Number.isNaN(idOf(gr, 2))) throw new InvalidOptionError('group', 'a group of this system (in /etc/group or getent group)', group);
    gid = idOf(gr, 2);
  }
  return { uid: idOf(pw, 2), gid, user: pw[0]!, home: pw[5] || '/', shell: pw[6] ?? '' };
}

/** True when this process runs as root (and so may start processes as any user). */
export function isRoot(): boolean {
  return process.geteuid?.() === 0;
}

/**
 * Checks that this process may run `spec`'s task as its `user` / `group`: as root, any account of the system; otherwise
 * only its own user and group (no change). Call it at `addTask` and before each start. Returns the resolved account
 * (null when the task sets neither).
 *
 * @throws {InvalidOptionError} when the user or group does not exist.
 * @throws {PermissionError} (`ERR_PERMISSION`) when this process is not root and the task asks for another account.
 * @example
 * ```ts
 * checkUserAllowed({ user: 'svc' }); // as root: { uid: 1001, gid: 1001, user: 'svc', home: '/home/svc', shell: '/bin/sh' }
 * ```
 */
export function checkUserAllowed(spec: AccountSpec): RunAccount | null {
  if (isRoot() || (spec.user == null && spec.group == null)) return resolveAccount(spec);
  const what = spec.user != null ? `user ${JSON.stringify(spec.user)}` : `group ${JSON.stringify(spec.group)}`;
  const refused = new PermissionError(what, `an Executor running as uid ${process.geteuid?.() ?? '?'}, not root`);
  // Not root: only this process's own user and group may be named; any other, existing or not, is a permission matter.
  let account: RunAccount | null;
  try { account = resolveAccount(spec); } catch { throw refused; }
  if (account !== null && account.uid === process.geteuid?.() && account.gid === process.getegid?.()) return account;
  throw refused;
}

/**
 * The environment variables that follow the account: `HOME`, `USER` and `LOGNAME`.
 * @example `accountEnv(account) // { HOME: '/home/svc', USER: 'svc', LOGNAME: 'svc' }`
 */
export function accountEnv(account: RunAccount): { HOME: string; USER: string; LOGNAME: string } {
  return { HOME: account.home, USER: account.user, LOGNAME: account.user };
}

let setprivPath: string | null | undefined;

/**
 * The command words that run what follows them as `account`: real and effective uid and gid, and the supplementary
 * groups of the user from the group database (`initgroups`: `/etc/group`, NSS), with the user's primary group among
 * them. The shim (root) `exec`s it as the last step before the command, so the shim, the output writers and every file
 * of the folder stay the Executor's. Capabilities are dropped by the kernel at the switch from root.
 *
 * @throws {Error} when `setpriv` is not installed (see {@link SETPRIV_PATHS}).
 * @example `switchCommand({ uid: 65534, gid: 65534, … }) // ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--init-groups']`
 */
export function switchCommand(account: Pick<RunAccount, 'uid' | 'gid'>): string[] {
  setprivPath ??= SETPRIV_PATHS.find((p) => existsSync(p)) ?? null;
  if (setprivPath === null) {
    throw new Error(`running a task as another user needs setpriv (util-linux), not found at ${SETPRIV_PATHS.join(' or ')}`);
  }
  return [setprivPath, `--reuid=${account.uid}`, `--regid=${account.gid}`, '--init-groups'];
}
