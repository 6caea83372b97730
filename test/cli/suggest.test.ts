// Issue 12 item 14 on the CLI: a misspelled task name or run id is answered with the closest names.
import { describe, expect, it } from 'vitest';
import { useCli } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const cli = useCli();

describe('did you mean (CLI)', () => {
  it('run, runs and show name the closest task or run id; exit 1', async () => {
    const { folder } = cli.folder();
    const ex = cli.kit.open(folder);
    await ex.addTask('web', 'once.js', { wd: FIXTURES, infiniteLoop: false });
    const runId = await ex.runTask('web');
    await ex.waitRun(runId, { timeout: T(10_000) });
    for (const args of [['run', 'wbe'], ['runs', 'Web']]) {
      const result = await cli.run(folder, args);
      expect(result.exitCode, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/^executor: ERR_TASK_NOT_FOUND: .*no such task \(did you mean "web"\?\)\./);
    }
    const typo = `${runId.slice(0, -1)}${runId.endsWith('z') ? 'y' : 'z'}`;
    const shown = await cli.run(folder, ['show', typo]);
    expect(shown.exitCode).toBe(1);
    expect(shown.stderr).toContain(`ERR_RUN_NOT_FOUND`);
    expect(shown.stderr).toContain(`(did you mean "${runId}"?)`);
  });
});
