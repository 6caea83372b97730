// `npm run build`: bundles src/ into dist/ with esbuild (ESM, code-split so heavy dependencies load only when used),
// after `tsc` has written the declaration files; then writes the top-level help the bin prints without loading the CLI.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Files Node runs or imports by path: the package entry, the CLI, the bin's fast path for `ls` (the CLI's `ls`
 * without commander), the writer process the shim starts, and a cluster host's watchdog.
 */
export const ENTRY_POINTS = ['src/index.ts', 'src/cli/main.ts', 'src/cli/list-main.ts', 'src/output/writer-main.ts', 'src/cluster/watchdog-main.ts'];
/** Kept as real dependencies: the public `.d.ts` files import their types. */
export const EXTERNAL = [];
// Bundled CommonJS code calls `require` for Node's built-ins: give every ESM chunk one.
const BANNER = "import { createRequire as __executorCreateRequire } from 'node:module';\n"
  + 'const require = __executorCreateRequire(import.meta.url);';

/** Bundles `ENTRY_POINTS` into `outdir` (shared code and lazily loaded parts in `outdir/chunks/`). */
export async function bundle(outdir = join(ROOT, 'dist')) {
  rmSync(join(outdir, 'chunks'), { recursive: true, force: true });
  await build({
    absWorkingDir: ROOT,
    entryPoints: ENTRY_POINTS,
    outbase: 'src',
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL,
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: BANNER },
    legalComments: 'eof',
    minify: process.env.EXECUTOR_BUILD_MINIFY !== '0',
    keepNames: true,
    logLevel: 'warning',
  });
}

/**
 * The bin's `ls` as one CommonJS file (`outdir/cli/list.cjs`): Node 20 keeps no compile cache for ES modules, so the
 * bin runs this file through `vm.Script` with a V8 code cache of its own (bin/compile-cache.js). `import.meta.url` is
 * the file's own URL; it sits one folder under `outdir`, as the chunks do, so relative paths resolve the same.
 */
export async function bundleListCjs(outdir = join(ROOT, 'dist')) {
  const outfile = join(outdir, 'cli', 'list.cjs');
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/list-main.ts'],
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    define: { 'import.meta.url': '__executorImportMetaUrl' },
    banner: { js: "const __executorImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    legalComments: 'eof',
    minify: process.env.EXECUTOR_BUILD_MINIFY !== '0',
    keepNames: true,
    logLevel: 'warning',
  });
  // The key bin/compile-cache.js files the code cache under: the cache is only ever used for these very bytes.
  const code = readFileSync(outfile, 'utf8');
  writeFileSync(outfile, `//# executor-cache-key=${createHash('sha1').update(code).digest('hex')}\n${code}`);
}

/**
 * The dashboard's browser script and style sheet (`outdir/assets/app.js`, `outdir/assets/app.css`): one minified ES module for
 * current browsers, with the pure page renderers it shares with the server. The server reads them from dist/assets/.
 */
export async function bundleDashboard(outdir = join(ROOT, 'dist')) {
  await build({
    absWorkingDir: ROOT,
    entryPoints: { app: 'src/ui/client/app.ts' },
    outdir: join(outdir, 'assets'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    legalComments: 'none',
    minify: process.env.EXECUTOR_BUILD_MINIFY !== '0',
    logLevel: 'warning',
  });
  await build({
    absWorkingDir: ROOT,
    entryPoints: { app: 'src/ui/client/app.css' },
    outdir: join(outdir, 'assets'),
    bundle: true,
    minify: process.env.EXECUTOR_BUILD_MINIFY !== '0',
    logLevel: 'warning',
  });
}

/** Writes `outdir/cli/help.txt`: `executor --help` as the built CLI prints it on a stream that is not a terminal. */
export async function writeHelp(outdir = join(ROOT, 'dist')) {
  const { runCli } = await import(pathToFileURL(join(outdir, 'cli', 'main.js')).href);
  let text = '';
  const sink = { write: (chunk) => ((text += chunk), true), isTTY: false };
  const io = { stdout: sink, stderr: sink, stdin: process.stdin, env: {}, cwd: ROOT, onStopSignal: () => () => undefined };
  const code = await runCli(['--help'], io);
  if (code !== 0) throw new Error(`executor --help exited ${code}: ${text}`);
  writeFileSync(join(outdir, 'cli', 'help.txt'), text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundle();
  await bundleListCjs();
  await bundleDashboard();
  await writeHelp();
}
