// `npm i executor-sdk` in an empty project: what a user's install brings in. The package is packed (`npm pack` of the built dist/, as
// published) into a temp folder; an empty temp project then installs the tarball with
// `npm i --prefer-offline --no-audit --no-fund <tarball>` (scripts allowed, as a user's install would run them).
// Size: `du -sk node_modules` (disk usage; apparent bytes in the details). Packages: the package roots under
// node_modules (node_modules/<name>/package.json and node_modules/@scope/<name>/package.json, nested ones too; the
// package itself included, as npm's "added N packages" counts it). Install scripts: any of them with a
// preinstall/install/postinstall script, or a binding.gyp (npm runs node-gyp for it).
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fmtMb, tempFolder, type Figure } from './lib.js';

/** Goals. */
export const GOAL_BYTES = 6 * 1024 * 1024;
export const GOAL_PACKAGES = 25;
/** How long packing and installing may take. */
export const INSTALL_TIMEOUT_MS = 300_000;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

interface Found { name: string; dir: string; scripts: string[] }

/** Every package root under a node_modules folder, nested node_modules included. */
function packagesUnder(modules: string): Found[] {
  if (!existsSync(modules)) return [];
  const found: Found[] = [];
  const visit = (dir: string, name: string) => {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) return;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { scripts?: Record<string, string> };
    const scripts = INSTALL_SCRIPTS.filter((s) => pkg.scripts?.[s]).map((s) => `${s}: ${pkg.scripts![s]}`);
    if (existsSync(join(dir, 'binding.gyp')) && scripts.length === 0) scripts.push('binding.gyp (node-gyp rebuild)');
    found.push({ name, dir, scripts });
    found.push(...packagesUnder(join(dir, 'node_modules')));
  };
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      for (const sub of readdirSync(join(modules, entry))) visit(join(modules, entry, sub), `${entry}/${sub}`);
    } else {
      visit(join(modules, entry), entry);
    }
  }
  return found;
}

/** Apparent size of every file under a folder (symlinks not followed; a package's own node_modules left out if `own`). */
function apparentBytes(dir: string, own = false): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && own && entry.name === 'node_modules') continue;
    if (entry.isDirectory()) total += apparentBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

export async function benchInstall(): Promise<{ figures: Figure[] }> {
  const dir = tempFolder('install');
  const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  const info = (JSON.parse(packed.stdout) as { filename: string; size: number; unpackedSize: number; entryCount: number }[])[0]!;
  const tarball = join(dir, info.filename);
  const project = join(dir, 'project');
  await run('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'probe', version: '1.0.0', private: true }));
  const t0 = performance.now();
  const installed = await run('npm', ['i', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 });
  const installMs = performance.now() - t0;
  const modules = join(project, 'node_modules');
  const kb = Number((await run('du', ['-sk', modules])).stdout.split(/\s/)[0]);
  const bytes = kb * 1024;
  const packages = packagesUnder(modules);
  const scripted = packages.filter((p) => p.scripts.length > 0);
  const npmSaid = /added \d+ packages?/.exec(installed.stdout)?.[0] ?? 'npm printed no count';
  const heaviest = packages.map((p) => ({ name: p.name, bytes: apparentBytes(p.dir, true) })).sort((a, b) => b.bytes - a.bytes).slice(0, 5);
  return {
    figures: [{
      figure: '`npm i executor-sdk` (the packed tarball) in an empty project: node_modules on disk',
      ours: fmtMb(bytes), floor: '—', ratio: '—', goal: `≤ ${fmtMb(GOAL_BYTES)}`, pass: bytes <= GOAL_BYTES,
      note: `du -sk; apparent size ${fmtMb(apparentBytes(modules))}; the tarball: ${(info.size / 1024).toFixed(0)} KB packed, ${fmtMb(info.unpackedSize)} unpacked, `
        + `${info.entryCount} files. Heaviest packages (apparent): ${heaviest.map((h) => `${h.name} ${fmtMb(h.bytes)}`).join(', ')}. Install took ${(installMs / 1000).toFixed(1)} s (npm cache warm).`,
      cause: 'The runtime dependencies and what they bring in.',
    }, {
      figure: 'The same install: packages in node_modules (the package included)',
      ours: String(packages.length), floor: '—', ratio: '—', goal: `≤ ${GOAL_PACKAGES}`, pass: packages.length <= GOAL_PACKAGES,
      note: `npm: "${npmSaid}". ${packages.map((p) => p.name).sort().join(', ')}.`,
      cause: 'Runtime dependencies and their own dependencies.',
    }, {
      figure: 'The same install: packages with an install script',
      ours: String(scripted.length), floor: '—', ratio: '—', goal: 'none', pass: scripted.length === 0,
      note: scripted.length === 0 ? 'no preinstall, install or postinstall script, no binding.gyp.' : scripted.map((p) => `${p.name} (${p.scripts.join('; ')})`).join(', '),
      cause: 'A dependency with an install script.',
    }],
  };
}
