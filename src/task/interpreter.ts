// Which command runs a script: by extension, by name, or directly when it is executable.
import { accessSync, constants, statSync } from 'node:fs';
import { extname } from 'node:path';
import { InvalidOptionError, UnknownInterpreterError } from '../errors.js';
import { resolveTsRunner } from './ts-runner.js';

/** A map from an extension (`'.py'`) or a name (`'venv'`) to a command array. */
export type InterpreterMap = Record<string, string[]>;

/** The built-in TypeScript runner's keys: the `tsx` name and the `.ts` / `.mts` extensions (see ts-runner.ts). */
const TS_KEYS = new Set(['tsx', '.ts', '.mts']);

/**
 * Built-in interpreters by name. The `tsx` entry is a placeholder (`node --import tsx`): `resolveInterpreter` picks the
 * real command per task (the user's tsx, or Node's type stripping).
 */
export function builtinNames(): InterpreterMap {
  return {
    node: [process.execPath],
    tsx: [process.execPath, '--import', 'tsx'],
    python3: ['python3'],
    Rscript: ['Rscript'],
    bash: ['bash'],
    sh: ['sh'],
  };
}

/** Built-in interpreters by extension. */
export function builtinExtensions(): InterpreterMap {
  const names = builtinNames();
  return { '.js': names.node!, '.mjs': names.node!, '.cjs': names.node!, '.ts': names.tsx!, '.mts': names.tsx!, '.py': names.python3!, '.R': names.Rscript!, '.r': names.Rscript!, '.sh': names.bash! };
}

/** Checks the user's `interpreters` option. */
export function checkInterpreterMap(value: unknown): InterpreterMap {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidOptionError('interpreters', 'an object mapping an extension or name to a command array', value);
  for (const [key, cmd] of Object.entries(value)) {
    if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((p) => typeof p === 'string' && p.length > 0)) {
      throw new InvalidOptionError(`interpreters[${JSON.stringify(key)}]`, 'a non-empty array of strings', cmd);
    }
  }
  return value as InterpreterMap;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The resolved interpreter of a task: its argv prefix and a label. */
export interface ResolvedInterpreter { command: string[]; label: string | null }

/**
 * Resolves the interpreter of `scriptPath`: an explicit `interpreter` (name or command array),
 * else the extension (user map first, then built-ins), else direct execution if the file is executable.
 * A missing script with an unknown extension is accepted now and checked again at start.
 * The built-in TypeScript runner (`tsx`, `.ts`, `.mts`) is looked for from `wd` (see `resolveTsRunner`).
 *
 * @throws UnknownInterpreterError for an unknown name or extension; InterpreterMissingError when no TypeScript runner is available.
 */
export function resolveInterpreter(scriptPath: string, interpreter: unknown, user: InterpreterMap, wd: string): ResolvedInterpreter {
  const names = { ...builtinNames(), ...Object.fromEntries(Object.entries(user).filter(([k]) => !k.startsWith('.'))) };
  // The built-in TypeScript runner, unless the user's map overrides that name or extension.
  const builtinTs = (key: string): ResolvedInterpreter | null => (TS_KEYS.has(key) && !Object.hasOwn(user, key)
    ? { command: resolveTsRunner({ wd, script: scriptPath, tsxOnly: key === 'tsx' }).command, label: key }
    : null);
  if (Array.isArray(interpreter)) {
    if (interpreter.length === 0 || !interpreter.every((p) => typeof p === 'string' && p.length > 0)) throw new UnknownInterpreterError(interpreter, Object.keys(names));
    return { command: interpreter as string[], label: (interpreter as string[]).join(' ') };
  }
  if (interpreter !== undefined && interpreter !== null) {
    const cmd = typeof interpreter === 'string' ? names[interpreter] : undefined;
    if (!cmd) throw new UnknownInterpreterError(interpreter, Object.keys(names));
    return builtinTs(interpreter as string) ?? { command: cmd, label: interpreter as string };
  }
  const ext = extname(scriptPath);
  const byExt = { ...builtinExtensions(), ...Object.fromEntries(Object.entries(user).filter(([k]) => k.startsWith('.'))) };
  const cmd = ext ? byExt[ext] : undefined;
  if (cmd) return builtinTs(ext) ?? { command: cmd, label: ext };
  if (isExecutableFile(scriptPath)) return { command: [], label: null };
  let exists = true;
  try { statSync(scriptPath); } catch { exists = false; }
  if (!exists) return { command: [], label: null };
  throw new UnknownInterpreterError(ext || scriptPath, [...Object.keys(byExt), ...Object.keys(names)]);
}

/** Re-checks at start that a direct-execution script is executable. */
export function assertRunnable(scriptPath: string, command: string[], known: string[]): void {
  if (command.length === 0 && !isExecutableFile(scriptPath)) throw new UnknownInterpreterError(extname(scriptPath) || scriptPath, known);
}
