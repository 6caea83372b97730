// `add --file`: tasks from a JSON or YAML spec file, shape-checked before anything is added.
import { dirname, extname, resolve } from 'node:path';
import { InvalidOptionError } from '../errors.js';
import type { AddTaskOptions } from '../task/options.js';
import { readFlagFile } from './parse.js';
import { CliUsageError } from './errors.js';

/**
 * One task of a spec file: its name, then everything `addTask` takes (`script` or `steps`, schedule, `dependsOn`,
 * `ready`, `after`, `envFile`, `secretEnv`, `user`, `limits`, `nice`, …), by the SDK's option names. A `ready.line` in
 * slashes (`'/listening on \d+/i'`) is a regular expression.
 */
export interface SpecEntry extends AddTaskOptions {
  name: string;
}

/** Extensions read as YAML; everything else must be `.json`. */
export const YAML_EXTENSIONS: readonly string[] = ['.yaml', '.yml'];

// The entries of a parsed document: one task, an array of tasks, or `{ tasks: [...] }`.
function entriesOf(doc: unknown, file: string): unknown[] {
  if (Array.isArray(doc)) return doc;
  if (typeof doc === 'object' && doc !== null && 'tasks' in doc && !('name' in doc)) {
    const tasks = (doc as { tasks: unknown }).tasks;
    if (Array.isArray(tasks)) return tasks;
    throw new InvalidOptionError(`tasks (in ${file})`, 'an array of task objects', tasks);
  }
  return [doc];
}

/**
 * Reads and shape-checks a spec file. `wd` defaults to the file's folder; a relative `wd` is read from there.
 * Every entry must be an object with a unique string `name`; the rest is checked by `addTask`.
 * @example `const entries = await readSpecFile('/srv/etl.yaml'); // [{ name: 'etl', steps: [...], wd: '/srv' }]`
 */
export async function readSpecFile(path: string): Promise<SpecEntry[]> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && !YAML_EXTENSIONS.includes(ext)) throw new CliUsageError('--file', 'a .json, .yaml or .yml file', path);
  const { text } = await readFlagFile('--file', path, dirname(path), 'a readable file');
  let doc: unknown;
  try {
    doc = ext === '.json' ? JSON.parse(text) : parseYaml(text, await import('yaml')); // yaml loads only when needed
  } catch (error) {
    throw new InvalidOptionError('--file', `valid ${ext === '.json' ? 'JSON' : 'YAML'}`, `${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  const base = dirname(path);
  const seen = new Set<string>();
  return entriesOf(doc, path).map((entry, i) => {
    const where = `entry ${i + 1} of ${path}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new InvalidOptionError(where, 'a task object', entry);
    const { name, wd } = entry as { name?: unknown; wd?: unknown };
    if (typeof name !== 'string') throw new InvalidOptionError(`name (${where})`, 'a task name string', name);
    if (seen.has(name)) throw new InvalidOptionError(`name (${where})`, 'unique in the file', name);
    seen.add(name);
    return { ...(entry as SpecEntry), ...readyLine(entry), wd: typeof wd === 'string' ? resolve(base, wd) : wd === undefined ? base : (wd as string) };
  });
}

// A `ready: { line: '/re/flags' }` in slashes is a regular expression (JSON and YAML have none); other strings match as
// they are (as addTask takes a string). A bad one is left to addTask to report.
function readyLine(entry: object): { ready?: SpecEntry['ready'] } {
  const ready = (entry as { ready?: unknown }).ready as { line?: unknown } | undefined;
  const slashed = typeof ready?.line === 'string' ? /^\/(.+)\/([a-z]*)$/s.exec(ready.line) : null;
  if (!slashed) return {};
  try {
    return { ready: { ...ready, line: new RegExp(slashed[1]!, slashed[2]) } as SpecEntry['ready'] };
  } catch (error) {
    throw new InvalidOptionError('ready.line', 'a regular expression', `${String(ready!.line)} (${(error as Error).message})`);
  }
}

// yaml is CommonJS: the bundle's dynamic import gives its exports as `default`, Node's own import gives them named.
function parseYaml(text: string, yaml: typeof import('yaml') & { default?: typeof import('yaml') }): unknown {
  return (yaml.default ?? yaml).parse(text);
}
