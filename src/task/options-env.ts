// Shape checks of addTask's envFile and secretEnv options. The files themselves are read at each start.
import { InvalidOptionError } from '../errors.js';
import type { EnvFileRef, TaskSpec } from '../store/records.js';

/** Env names that are secret whatever `secretEnv` says: shown as `***` everywhere the package writes env. */
export const SECRET_ENV_PATTERN = /(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE)/i;
/** What a secret value is written as. */
export const SECRET_MASK = '***';

/** One `envFile` entry of `addTask`, as given. */
export type EnvFileOption = string | { path: string; optional?: boolean };

/** The env options of `addTask`. */
export interface EnvOptions {
  /**
   * Env files (dotenv format) read at each start, relative to `wd`, so an edit applies at the next start; `env`
   * overrides them. A missing file fails the start (`ERR_ENV_FILE`) unless `{ path, optional: true }`.
   * @defaultValue none
   * @example `['.env', { path: '.env.local', optional: true }]`
   */
  envFile?: EnvFileOption | EnvFileOption[];
  /**
   * Env names whose values are never written in clear (task record, run header, log, `ls --json`, alerts, dashboard:
   * `***`), besides the names matching `/(SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE)/i`.
   * @defaultValue []
   */
  secretEnv?: string[];
}

function envFileRef(value: unknown, option: string): EnvFileRef {
  if (typeof value === 'string' && value !== '' && !value.includes('\0')) return { path: value, optional: false };
  const o = value as Record<string, unknown> | null;
  const ok = typeof value === 'object' && o !== null && !Array.isArray(value) && Object.keys(o).every((k) => k === 'path' || k === 'optional')
    && typeof o.path === 'string' && o.path !== '' && !o.path.includes('\0') && (o.optional === undefined || typeof o.optional === 'boolean');
  if (!ok) throw new InvalidOptionError(option, 'a path, or { path, optional? }', value);
  return { path: o!.path as string, optional: (o!.optional as boolean | undefined) ?? false };
}

/**
 * Checks `envFile` and `secretEnv`; only the given ones are returned.
 * @example `checkEnvOptions({ envFile: ['.env', { path: '.env.local', optional: true }], secretEnv: ['DSN'] })`
 */
export function checkEnvOptions(o: Record<string, unknown>): Pick<TaskSpec, 'envFiles' | 'secretEnv'> {
  const out: Pick<TaskSpec, 'envFiles' | 'secretEnv'> = {};
  if (o.envFile !== undefined) out.envFiles = Array.isArray(o.envFile) ? o.envFile.map((f: unknown, i) => envFileRef(f, `envFile[${i}]`)) : [envFileRef(o.envFile, 'envFile')];
  if (o.secretEnv !== undefined) {
    if (!Array.isArray(o.secretEnv) || o.secretEnv.some((n: unknown) => typeof n !== 'string' || n === '' || /[=\0]/.test(n))) throw new InvalidOptionError('secretEnv', 'an array of environment variable names', o.secretEnv);
    out.secretEnv = [...new Set(o.secretEnv as string[])];
  }
  return out;
}

/**
 * True when env name `name` is secret for a task with these `secretEnv` names.
 * @example `isSecretEnv('GITHUB_TOKEN', []) // true`
 */
export function isSecretEnv(name: string, secretEnv: readonly string[] = []): boolean {
  return secretEnv.includes(name) || SECRET_ENV_PATTERN.test(name);
}

/**
 * `env` with the values of secret names (`secretEnv`, or matching SECRET_ENV_PATTERN) replaced by `***`: what may be
 * shown or written (task rows, `ls --json`, the dashboard).
 * @example `maskEnv({ API_KEY: 'abc', PORT: '80' }, []) // { API_KEY: '***', PORT: '80' }`
 */
export function maskEnv(env: Readonly<Record<string, string>>, secretEnv: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) out[key] = isSecretEnv(key, secretEnv) ? SECRET_MASK : value;
  return out;
}
