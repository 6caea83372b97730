// Test helper: a temp Jupyter set-up for the project's tslab (a devDependency) and Debian's Jupyter tools: a
// JUPYTER_PATH with tslab's JavaScript kernel spec (`jslab`, interrupted by a signal), and a project folder whose
// node_modules/executor-sdk is this repository (tslab type-checks cells against the package's .d.ts).
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { T } from '../helpers/time.js';

/** This repository. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Debian's Jupyter (jupyter-nbconvert, jupyter-client): `.ci/run` installs them. */
export const JUPYTER = '/usr/bin/jupyter';
const TSLAB = path.join(ROOT, 'node_modules', 'tslab', 'bin', 'tslab');

/** One notebook run's folders and environment. */
export interface KernelSetup {
  /** The project folder (cwd of the kernel), with node_modules/executor-sdk → this repository. */
  project: string;
  /** Environment for jupyter: the temp JUPYTER_PATH and runtime folders, Python's debugger warning off. */
  env: NodeJS.ProcessEnv;
}

/** Makes the kernel spec and the project folder under `dir`. */
export function kernelSetup(dir: string, extraEnv: Record<string, string> = {}): KernelSetup {
  const jp = path.join(dir, 'jupyter');
  mkdirSync(path.join(jp, 'kernels', 'jslab'), { recursive: true });
  writeFileSync(path.join(jp, 'kernels', 'jslab', 'kernel.json'), JSON.stringify({
    argv: [process.execPath, TSLAB, 'kernel', '--config-path', '{connection_file}', '--js'],
    display_name: 'JavaScript (tslab)', language: 'javascript', interrupt_mode: 'signal',
  }));
  const project = path.join(dir, 'project');
  mkdirSync(path.join(project, 'node_modules'), { recursive: true });
  symlinkSync(ROOT, path.join(project, 'node_modules', 'executor-sdk'), 'dir');
  const env: NodeJS.ProcessEnv = {
    ...process.env, ...extraEnv, JUPYTER_PATH: jp, JUPYTER_RUNTIME_DIR: path.join(jp, 'runtime'), JUPYTER_CONFIG_DIR: path.join(jp, 'config'),
    JUPYTER_DATA_DIR: path.join(jp, 'data'), PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  return { project, env };
}

/** An executed notebook's outputs, by cell. */
export interface Output { cell: number; output_type: string; name?: string; text?: string | string[]; data?: Record<string, string | string[]> }

/** Joins a notebook's multi-line string. */
export const joined = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join('') : v ?? '');

/** Executes `notebook` headless in the jslab kernel (nbconvert); resolves with the executed notebook. */
export async function executeNotebook(setup: KernelSetup, notebook: string): Promise<{ cells: { cell_type: string; metadata?: { execution?: Record<string, string> }; outputs?: Output[] }[] }> {
  const input = path.join(setup.project, 'notebook.ipynb');
  writeFileSync(input, readFileSync(notebook));
  await new Promise<void>((resolve, reject) => {
    execFile(JUPYTER, ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=jslab', '--ExecutePreprocessor.timeout=60', '--output', 'out.ipynb', input],
      { cwd: setup.project, env: setup.env, timeout: T(120_000) }, (error, _stdout, stderr) => (error ? reject(new Error(`nbconvert failed: ${error.message}\n${stderr}`)) : resolve()));
  });
  return JSON.parse(readFileSync(path.join(setup.project, 'out.ipynb'), 'utf8')) as never;
}
