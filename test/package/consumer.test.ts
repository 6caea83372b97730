// The package as a user gets it: `npm pack`, installed into an empty project (`--prefer-offline`: CI reaches only the
// npm registry), then compiled against with strict TypeScript, required from CommonJS, imported from ESM, and its bin
// run through npx. `npm test` builds dist/ first.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../helpers/time.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
// The project's own TypeScript (tslab, a devDependency, brings a TypeScript 5.0 whose `tsc` may take node_modules/.bin/tsc).
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let dir = '';
let project = '';
let packed: string[] = [];

const run = (file: string, args: string[], cwd = project): string =>
  execFileSync(file, args, { cwd, encoding: 'utf8', timeout: T(120_000), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'exsdk-consumer-'));
  project = path.join(dir, 'project');
  const [info] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], ROOT)) as [{ filename: string; files: { path: string }[] }];
  packed = info.files.map((f) => f.path);
  execFileSync('mkdir', [project]);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(dir, info.filename)]);
}, T(180_000));

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Package roots under node_modules (nested ones too), by their package.json.
function packageRoots(modules: string): string[] {
  const roots: string[] = [];
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    const names = entry.startsWith('@') ? readdirSync(path.join(modules, entry)).map((n) => path.join(entry, n)) : [entry];
    for (const name of names) {
      const root = path.join(modules, name);
      roots.push(root);
      const nested = path.join(root, 'node_modules');
      if (statSync(nested, { throwIfNoEntry: false })?.isDirectory()) roots.push(...packageRoots(nested));
    }
  }
  return roots;
}

const duBytes = (p: string): number => Number(run('du', ['-sb', p]).split('\t')[0]);

describe('the packed package', () => {
  it('ships no internal docs and no source maps', () => {
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/executor.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js']));
    expect(packed.filter((f) => f.startsWith('docs/internal/'))).toEqual([]);
    expect(packed.filter((f) => f.endsWith('.map'))).toEqual([]);
  });

  it('installs small: at most 25 packages and 6 MB, with no install scripts', () => {
    const roots = packageRoots(path.join(project, 'node_modules'));
    expect(roots.length).toBeLessThanOrEqual(25);
    const withScripts = roots.filter((root) => {
      const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
      return ['preinstall', 'install', 'postinstall'].some((s) => s in scripts);
    });
    expect(withScripts).toEqual([]);
    expect(duBytes(path.join(project, 'node_modules'))).toBeLessThanOrEqual(6 * 1024 * 1024);
  });

  it('compiles in a strict TypeScript project with skipLibCheck off, without @types/node or lib.dom', () => {
    const source = [
      "import { Executor, ExecutorError, TaskNotFoundError, type TaskRow, type StartResult, type AbortSignalLike } from 'executor-sdk';",
      "const ex = new Executor('tasks-folder');",
      'export const rows: Promise<TaskRow[]> = ex.listTasks();',
      'export const started: Promise<StartResult[]> = ex.startAll();',
      'export function notFound(e: unknown): boolean { return e instanceof TaskNotFoundError && e instanceof ExecutorError && e.code === "ERR_TASK_NOT_FOUND"; }',
      'export function follow(signal: AbortSignalLike): AsyncIterableIterator<string> { return ex.followOut("web", { signal }); }',
    ].join('\n');
    writeFileSync(path.join(project, 'esm.mts'), source);
    writeFileSync(path.join(project, 'cjs.cts'), source);
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022'], types: [] },
      files: ['esm.mts', 'cjs.cts'],
    }));
    expect(run(TSC, ['-p', '.'])).toBe('');
  });

  it('works from require() and import(), with one set of classes (no dual-package hazard)', () => {
    const folder = path.join(dir, 'folder');
    const script = [
      "const { Executor, TaskNotFoundError } = require('executor-sdk');",
      "import('executor-sdk').then(async (esm) => {",
      '  if (esm.Executor !== Executor || esm.TaskNotFoundError !== TaskNotFoundError) throw new Error("two copies");',
      `  const ex = new Executor(${JSON.stringify(folder)});`,
      "  await ex.addTask('hello', 'hello.sh', { interpreter: 'sh', infiniteLoop: false });",
      "  const error = await ex.startTask('nope').catch((e) => e);",
      "  process.stdout.write(JSON.stringify({ tasks: (await ex.listTasks()).map((r) => r.name), esmInstance: error instanceof esm.TaskNotFoundError }));",
      '});',
    ].join('\n');
    writeFileSync(path.join(project, 'hello.sh'), 'echo hi\n');
    writeFileSync(path.join(project, 'smoke.cjs'), script.replace("'hello.sh'", JSON.stringify(path.join(project, 'hello.sh'))));
    const out = JSON.parse(run(process.execPath, ['smoke.cjs'])) as { tasks: string[]; esmInstance: boolean };
    expect(out).toEqual({ tasks: ['hello'], esmInstance: true });
    writeFileSync(path.join(project, 'smoke.mjs'), "import { Executor, ExecutorError } from 'executor-sdk';\nprocess.stdout.write(String(typeof Executor === 'function' && new ExecutorError('ERR_X', 'x') instanceof Error));\n");
    expect(run(process.execPath, ['smoke.mjs'])).toBe('true');
  });

  it('runs its bin through npx', () => {
    expect(run('npx', ['--no-install', 'executor', '--version'])).toBe(`${PKG.version}\n`);
    expect(run('npx', ['--no-install', 'executor', '--help'])).toContain('Usage: executor');
  });
});
