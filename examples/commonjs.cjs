// CommonJS: `require('executor-sdk')` gives the same classes as `import` (Node ^20.19 or >= 22.12 loads the package's
// ES modules through require), so tools that compile `import` to `require` (ts-node in CommonJS mode, tslab notebook
// kernels) work too. Run: `npm run build && node examples/commonjs.cjs` (from this repo, `require` finds the package
// by its own name through package.json `exports`).
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { Executor, TaskNotFoundError } = require('executor-sdk');

async function main() {
  const folder = mkdtempSync(join(tmpdir(), 'executor-cjs-'));
  const ex = new Executor(folder);
  await ex.addTask('hello', join(__dirname, 'jobs', 'tick.js'), { infiniteLoop: false });
  await ex.startTask('hello');
  const row = await ex.waitFor('hello', ['succeeded', 'failed'], { timeout: 10_000 });
  console.log(`hello ${row.status}:`, await ex.readOut('hello', 5));
  const missing = await ex.startTask('nope').catch((error) => error);
  console.log('typed error:', missing instanceof TaskNotFoundError, missing.code);
  rmSync(folder, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
