// Test helper: Deno's Jupyter kernel (the `deno` devDependency, 2.9.6) with Debian's Jupyter tools: a temp
// JUPYTER_PATH with a hand-written `deno` kernel spec (`deno jupyter --install` ignores JUPYTER_PATH), a project folder
// with a package.json and node_modules/executor-sdk → this repository (with a package.json, Deno resolves
// `npm:executor-sdk` from that node_modules; without one it would download from the registry), and the Deno version of
// examples/notebook.ipynb.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { T } from '../helpers/time.js';
import { JUPYTER, ROOT, type KernelSetup, type Output } from './kernel.js';

/** The platform package of the `deno` devDependency holds the binary (npm may skip the `deno` package's postinstall). */
function denoBinary(): string {
  const { platform, arch } = process;
  const pkg = platform === 'linux' ? `linux-${arch}-glibc` : `${platform}-${arch}`;
  return path.join(ROOT, 'node_modules', '@deno', pkg, platform === 'win32' ? 'deno.exe' : 'deno');
}

/** The Deno binary the kernel spec runs. */
export const DENO = denoBinary();

/** Makes the `deno` kernel spec and the project folder under `dir`. */
export function denoKernelSetup(dir: string, extraEnv: Record<string, string> = {}): KernelSetup {
  const jp = path.join(dir, 'jupyter');
  mkdirSync(path.join(jp, 'kernels', 'deno'), { recursive: true });
  writeFileSync(path.join(jp, 'kernels', 'deno', 'kernel.json'), JSON.stringify({
    argv: [DENO, 'jupyter', '--kernel', '--conn', '{connection_file}'],
    display_name: 'Deno', language: 'typescript', interrupt_mode: 'signal',
  }));
  const project = path.join(dir, 'project');
  mkdirSync(path.join(project, 'node_modules'), { recursive: true });
  writeFileSync(path.join(project, 'package.json'), '{ "private": true }\n');
  symlinkSync(ROOT, path.join(project, 'node_modules', 'executor-sdk'), 'dir');
  const env: NodeJS.ProcessEnv = {
    ...process.env, ...extraEnv, JUPYTER_PATH: jp, JUPYTER_RUNTIME_DIR: path.join(jp, 'runtime'), JUPYTER_CONFIG_DIR: path.join(jp, 'config'),
    JUPYTER_DATA_DIR: path.join(jp, 'data'), PYDEVD_DISABLE_FILE_VALIDATION: '1',
    // Deno's cache in the temp folder, and a registry that refuses: an `npm:` import that misses node_modules fails.
    DENO_DIR: path.join(dir, 'deno-cache'), NPM_CONFIG_REGISTRY: 'http://127.0.0.1:9/', DENO_NO_UPDATE_CHECK: '1',
  };
  return { project, env };
}

/** A notebook as nbformat 4 JSON (the parts these tests read and write). */
export interface Notebook {
  metadata: Record<string, unknown>;
  cells: { cell_type: string; source: string | string[]; execution_count?: number | null; metadata?: { execution?: Record<string, string> }; outputs?: Output[] }[];
}

// tslab cells `require`; Deno's cells `import` (the package by `npm:` from the project's node_modules).
const IMPORTS: readonly (readonly [string, string])[] = [
  ["const { Executor, display } = require('executor-sdk');", "import { Executor, display } from 'npm:executor-sdk';"],
  ["const fs = require('node:fs');", "import fs from 'node:fs';"],
  ["const path = require('node:path');", "import path from 'node:path';"],
];

/** examples/notebook.ipynb for Deno's kernel: the same cells, `require` turned into `import`, the `deno` kernel. */
export function denoNotebook(tslabNotebook: string): Notebook {
  const nb = JSON.parse(readFileSync(tslabNotebook, 'utf8')) as Notebook;
  nb.metadata = { ...nb.metadata, kernelspec: { name: 'deno', display_name: 'Deno', language: 'typescript' } };
  const first = nb.cells.find((c) => c.cell_type === 'code');
  let source = Array.isArray(first?.source) ? first.source.join('') : first?.source ?? '';
  for (const [from, to] of IMPORTS) {
    if (!source.includes(from)) throw new Error(`examples/notebook.ipynb's first code cell no longer has: ${from}`);
    source = source.replace(from, to);
  }
  first!.source = source;
  if (nb.cells.some((c) => c.cell_type === 'code' && /\brequire\(/.test(Array.isArray(c.source) ? c.source.join('') : c.source))) {
    throw new Error('examples/notebook.ipynb has a require() that the Deno version does not turn into an import');
  }
  return nb;
}

/** Executes `nb` headless in Deno's kernel (nbconvert, in the project folder); resolves with the executed notebook. */
export async function executeDenoNotebook(setup: KernelSetup, nb: Notebook): Promise<Notebook> {
  const input = path.join(setup.project, 'notebook.ipynb');
  writeFileSync(input, JSON.stringify(nb, null, 1));
  await new Promise<void>((resolve, reject) => {
    execFile(JUPYTER, ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=deno', '--ExecutePreprocessor.timeout=60', '--output', 'out.ipynb', input],
      { cwd: setup.project, env: setup.env, timeout: T(120_000) }, (error, _stdout, stderr) => (error ? reject(new Error(`nbconvert failed: ${error.message}\n${stderr}`)) : resolve()));
  });
  return JSON.parse(readFileSync(path.join(setup.project, 'out.ipynb'), 'utf8')) as Notebook;
}
