// tsx is optional (issue 13): a `.ts` task runs with the user's own tsx (from its wd first, then from the package), else
// Node's type stripping (22.6+), else it is refused with InterpreterMissingError, writing nothing.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExecutorError, InterpreterMissingError } from '../../src/index.js';
import { canStripTypes, commandForRun, findTsxLoader, resolveTsRunner, STRIP_TYPES_FLAG } from '../../src/task/ts-runner.js';
import { clusterUrl, storedRecords, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** This repository's tsx: in these tests, "the user's own install" is a symlink to it. */
const OWN_TSX = path.join(ROOT, 'node_modules', 'tsx');
const DRIVER = fileURLToPath(new URL('../fixtures/executor/ts-driver.mjs', import.meta.url));
/** A script only a TypeScript runner can run; it prints how its node was started. */
const JOB_TS = 'const n: number = 42;\nconsole.log(JSON.stringify({ n, execArgv: process.execArgv }));\n';
/** True when this Node runs .ts files itself (22.6+): then nothing is refused, and a task without tsx strips types. */
const STRIPS = canStripTypes(process.versions.node);

const kit = useExecutors();

/** `<tmp>/proj` with job.ts (and job.js), and `node_modules/tsx` linked to this repository's tsx when `withTsx`. */
function project(withTsx: boolean): string {
  const wd = path.join(kit.tmpDir(), 'proj');
  mkdirSync(wd, { recursive: true });
  writeFileSync(path.join(wd, 'job.ts'), JOB_TS);
  writeFileSync(path.join(wd, 'job.js'), 'console.log("js");\n');
  if (withTsx) linkTsx(wd);
  return wd;
}

function linkTsx(dir: string): void {
  mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
  symlinkSync(OWN_TSX, path.join(dir, 'node_modules', 'tsx'), 'dir');
}

/** The loader URL of the tsx installed under `dir` (the path as linked, not its target). */
function loaderUnder(dir: string): string {
  return pathToFileURL(path.join(dir, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
}

/** A folder whose node_modules chain has no tsx, standing for where executor-sdk is installed. */
function packageWithoutTsx(): string {
  const pkg = path.join(kit.tmpDir(), 'pkg');
  mkdirSync(path.join(pkg, 'node_modules'), { recursive: true });
  return pathToFileURL(path.join(pkg, 'dist', 'index.js')).href;
}

describe('resolving the TypeScript runner', () => {
  it('prefers the tsx of the wd, then of its parents, then of the package', () => {
    const wd = project(true);
    expect(resolveTsRunner({ wd, script: 'job.ts' })).toEqual({ command: [process.execPath, '--import', loaderUnder(wd)], source: 'wd' });
    const deeper = path.join(wd, 'a', 'b');
    mkdirSync(deeper, { recursive: true });
    expect(resolveTsRunner({ wd: deeper, script: 'job.ts' }).command[2]).toBe(loaderUnder(wd));
    const bare = project(false);
    expect(resolveTsRunner({ wd: bare, script: 'job.ts' })).toEqual({ command: [process.execPath, '--import', loaderUnder(ROOT.replace(/\/$/, ''))], source: 'package' });
  });

  it('reads the entry from the package.json exports (import condition), and skips an install without one', () => {
    const wd = project(false);
    const fake = path.join(wd, 'node_modules', 'tsx');
    mkdirSync(fake, { recursive: true });
    writeFileSync(path.join(fake, 'package.json'), JSON.stringify({ exports: { '.': { require: './loader.cjs', import: './loader.mjs' } } }));
    expect(findTsxLoader(path.join(wd, 'noop.js'))).toBeNull(); // loader.mjs does not exist: not usable
    writeFileSync(path.join(fake, 'loader.mjs'), '');
    expect(findTsxLoader(path.join(wd, 'noop.js'))).toBe(pathToFileURL(path.join(fake, 'loader.mjs')).href);
  });

  it('falls back to Node type stripping from 22.6 on, and refuses below it or when tsx is asked for by name', () => {
    const wd = project(false);
    const packageUrl = packageWithoutTsx();
    expect(findTsxLoader(packageUrl)).toBeNull();
    for (const nodeVersion of ['22.6.0', '22.12.0', '23.0.0', 'v24.1.0']) {
      expect(resolveTsRunner({ wd, script: 'job.ts', packageUrl, nodeVersion, execPath: '/n' })).toEqual({ command: ['/n', STRIP_TYPES_FLAG], source: 'strip-types' });
    }
    for (const options of [{ nodeVersion: '20.5.0' }, { nodeVersion: '22.5.1' }, { nodeVersion: '24.0.0', tsxOnly: true }]) {
      let caught: unknown;
      try { resolveTsRunner({ wd, script: path.join(wd, 'job.ts'), packageUrl, ...options }); } catch (error) { caught = error; }
      expect(caught).toBeInstanceOf(InterpreterMissingError);
      expect(caught).toBeInstanceOf(ExecutorError);
      const error = caught as InterpreterMissingError;
      expect(error.code).toBe('ERR_INTERPRETER_MISSING');
      expect(error.message).toMatch(/^Expected `tsx` to be installed to run ".*job\.ts", got none/);
      expect(error.message).toContain('npm i -D tsx');
    }
  });

  it('resolves again at run time only the built-in runner, including the command an older version stored', () => {
    const wd = project(true);
    const old = [process.execPath, '--import', 'file:///elsewhere/node_modules/tsx/dist/loader.mjs'];
    expect(commandForRun('.ts', old, wd, 'job.ts')).toEqual([process.execPath, '--import', loaderUnder(wd)]);
    expect(commandForRun('tsx', [process.execPath, STRIP_TYPES_FLAG], wd, 'job.ts')[2]).toBe(loaderUnder(wd));
    expect(commandForRun('.ts', ['bun'], wd, 'job.ts')).toEqual(['bun']); // the user's own `interpreters['.ts']`
    expect(commandForRun('node --import x', old, wd, 'job.ts')).toBe(old); // an explicit command array
  });
});

describe('running a .ts task with the user\'s tsx', () => {
  it('runs it with the tsx of its wd (the spawned node\'s --import and the run header name it)', async () => {
    const wd = project(true);
    const { ex } = kit.make();
    await ex.addTask('job', 'job.ts', { wd, infiniteLoop: false });
    await ex.startTask('job');
    const row = await ex.waitFor('job', ['succeeded', 'failed'], { timeout: T(20_000) });
    const lines = await ex.readOut('job');
    expect(row.status, lines.join('\n')).toBe('succeeded');
    const printed = JSON.parse(lines.find((l) => l.startsWith('{')) ?? '{}') as { n: number; execArgv: string[] };
    expect(printed).toEqual({ n: 42, execArgv: ['--import', loaderUnder(wd)] });
    const raw = readFileSync(path.join(ex.folder, 'job.txt'), 'utf8');
    expect(raw).toContain(`# command: ${process.execPath} --import ${loaderUnder(wd)} ${path.join(wd, 'job.ts')}`);
  });

  it('a program step runs with the tsx of its wd', async () => {
    const wd = project(true);
    const { ex } = kit.make();
    await ex.addTask('prog', { steps: [{ name: 'one', script: 'job.ts' }], wd });
    const run = await ex.waitRun(await ex.runTask('prog'), { timeout: T(20_000) });
    expect(run.status).toBe('succeeded');
    const lines = await ex.readOut('prog', 100, { step: 'one' });
    expect(lines.some((l) => l.includes(`"execArgv":["--import","${loaderUnder(wd)}"]`)), lines.join('\n')).toBe(true);
  });
});

// A copy of the built package outside this repository, whose node_modules holds every dependency but tsx.
function copyOfPackage(): string {
  const pkg = path.join(kit.tmpDir(), 'pkg');
  for (const part of ['dist', 'bin', 'package.json']) cpSync(path.join(ROOT, part), path.join(pkg, part), { recursive: true });
  mkdirSync(path.join(pkg, 'node_modules'));
  for (const entry of readdirSync(path.join(ROOT, 'node_modules'))) {
    if (entry !== 'tsx' && entry !== '.bin') symlinkSync(path.join(ROOT, 'node_modules', entry), path.join(pkg, 'node_modules', entry));
  }
  return pkg;
}

interface DriverResult { ok?: true; value?: { status: string; lines: string[] }; error?: { name: string; code: string; message: string; isExecutorError: boolean }; changed: string[] }

function node(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: T(30_000) }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

async function drive(pkg: string, action: string, folder: string, wd: string): Promise<DriverResult> {
  const { stdout, stderr } = await node([DRIVER, pkg, action, folder, wd]);
  const last = stdout.trim().split('\n').pop() ?? '';
  expect(last, stderr).toMatch(/^\{/);
  return JSON.parse(last) as DriverResult;
}

function expectRefused(result: DriverResult): void {
  expect(result.error).toMatchObject({ name: 'InterpreterMissingError', code: 'ERR_INTERPRETER_MISSING', isExecutorError: true });
  expect(result.error?.message).toContain('npm i -D tsx');
  expect(result.changed).toEqual([]);
}

describe('the built package without tsx in its node_modules', () => {
  it('refuses .ts tasks, programs and the tsx name at add, and at each start while tsx is missing, writing nothing', async () => {
    expect(existsSync(path.join(ROOT, 'dist', 'index.js')), 'run `npm run build` first').toBe(true);
    const pkg = copyOfPackage();
    const wd = project(false);
    const folder = path.join(kit.tmpDir(), 'exec');
    if (STRIPS) { // Node 22.6+: no tsx anywhere, so the task strips types
      expect(await drive(pkg, 'add', folder, wd)).toMatchObject({ ok: true });
      expect((await drive(pkg, 'start-wait', folder, wd)).value?.lines).toContain(JSON.stringify({ n: 42, execArgv: [STRIP_TYPES_FLAG] }));
      return;
    }
    for (const action of ['add', 'add-named', 'add-program']) expectRefused(await drive(pkg, action, folder, wd));
    if (clusterUrl() !== undefined) expect([...storedRecords(folder).keys()]).toEqual([]); // nor any row of a cluster

    linkTsx(wd); // the user installs tsx: the task is accepted
    const added = await drive(pkg, 'add', folder, wd);
    expect(added).toMatchObject({ ok: true });
    if (clusterUrl() === undefined) expect(added.changed).toContain(path.join(folder, 'tasks', 'job.json')); // the snapshot does see writes
    else expect(storedRecords(folder).has('job')).toBe(true); // a cluster writes the row, not a file
    unlinkSync(path.join(wd, 'node_modules', 'tsx')); // ... and removes it: every start is refused, writing nothing
    expectRefused(await drive(pkg, 'start', folder, wd));
    expectRefused(await drive(pkg, 'run', folder, wd));

    linkTsx(wd); // installed again: the same record now runs, with the wd's tsx
    const ran = await drive(pkg, 'start-wait', folder, wd);
    expect(ran.value?.status, JSON.stringify(ran)).toBe('succeeded');
    expect(ran.value?.lines).toContain(JSON.stringify({ n: 42, execArgv: ['--import', loaderUnder(wd)] }));
  }, T(90_000));

  it('the CLI refuses `add` of a .ts script with exit code 1 and the npm i -D tsx hint', async () => {
    const pkg = copyOfPackage();
    const wd = project(false);
    const folder = path.join(kit.tmpDir(), 'exec');
    const { code, stderr } = await node([path.join(pkg, 'bin', 'executor.js'), 'add', 'job', 'job.ts', '--wd', wd], { ...process.env, EXECUTOR_FOLDER: folder, NO_COLOR: '1' });
    expect(code, stderr).toBe(STRIPS ? 0 : 1);
    if (STRIPS) return; // Node 22.6+ strips types: the task is added
    expect(stderr).toContain('ERR_INTERPRETER_MISSING');
    expect(stderr).toContain('npm i -D tsx');
    expect(existsSync(path.join(folder, 'tasks', 'job.json'))).toBe(false);
  }, T(30_000));
});
