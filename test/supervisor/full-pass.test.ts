// A supervisor's full pass skips re-reading the records while no record file changed (TableStamps), yet still sees
// every change another process makes to tasks/ without a journal line: an edit in place (one that keeps the size too),
// a record dropped in, a record removed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { waitUntil } from '../helpers/wait.js';

const kit = useExecutors();

// Runs `code` in another Node process (so no journal line, and no cache of this process is told), argv after `--`.
function other(code: string, ...args: string[]): void {
  execFileSync(process.execPath, ['-e', code, '--', ...args], { stdio: 'ignore', timeout: T(10_000) });
}

const replaceInPlace = "const fs = require('node:fs'); const [file, from, to] = process.argv.slice(1); fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(from, to));";
const writeFile = "require('node:fs').writeFileSync(process.argv[1], process.argv[2]);";
const removeFile = "require('node:fs').unlinkSync(process.argv[1]);";

describe('supervisor full pass', () => {
  it('sees edits, new records and removals made by another process without a journal line', async () => {
    const { ex } = kit.make();
    for (const name of ['alpha', 'beta', 'delta']) await ex.addTask(name, fixture('loop.js'));
    const file = (name: string): string => path.join(ex.folder, 'tasks', `${name}.json`);
    const alpha = readFileSync(file('alpha'), 'utf8');
    const beta = readFileSync(file('beta'), 'utf8');
    const corrupt: string[] = [];
    ex.on('warning', (w) => { if (w.code === 'ERR_CORRUPT_RECORD') corrupt.push(w.message); });
    const names = async (): Promise<string[]> => (await ex.listTasks()).map((r) => r.name);
    const sup = ex.keepRestarting({ sleep: 1 });
    try {
      await sup.ready;
      // A first edit, seen by a full pass: from then on the supervisor has stamps to compare with.
      other(writeFile, file('alpha'), 'not json');
      await waitUntil(() => corrupt.some((m) => m.includes(file('alpha'))), { timeoutMs: 10_000, what: 'alpha reported corrupt' });
      // An edit in place that keeps the size: one character, '{' to '['.
      other(replaceInPlace, file('beta'), '{', '[');
      expect(readFileSync(file('beta'), 'utf8')).toHaveLength(beta.length);
      await waitUntil(() => corrupt.some((m) => m.includes(file('beta'))), { timeoutMs: 10_000, what: 'beta reported corrupt' });
      // Put back in place (same size again): the record is back in the table.
      other(replaceInPlace, file('beta'), '[', '{');
      await waitUntil(async () => (await names()).includes('beta'), { timeoutMs: 10_000, what: 'beta back in the table' });
      // A record dropped in by hand, and one removed by hand.
      other(writeFile, file('gamma'), alpha.replace('"name": "alpha"', '"name": "gamma"'));
      other(removeFile, file('delta'));
      await waitUntil(async () => {
        const now = await names();
        return now.includes('gamma') && !now.includes('delta');
      }, { timeoutMs: 10_000, what: 'gamma in the table and delta gone' });
      expect(await names()).toEqual(['beta', 'gamma']);
    } finally {
      await sup.stop();
    }
  });
});
