// `executor repl` as a subprocess (the built bin), fed on stdin: `ex` is the folder's Executor, `Executor` is in scope,
// top-level await works, and it exits 0 when stdin ends.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPL_PROMPT } from '../../src/cli/commands/repl.js';
import { useCli } from '../helpers/cli.js';

const cli = useCli();

/** `hold.js`: runs until killed (only added here, never started). */
const HOLD = fileURLToPath(new URL('../fixtures/cli/supervise/hold.js', import.meta.url));

/** What the REPL printed for each input, prompts removed. */
function answers(stdout: string): string[] {
  return stdout.split('\n').map((l) => l.split(REPL_PROMPT).join('').trim()).filter((l) => l !== '');
}

describe('executor repl', () => {
  it('evaluates top-level await on `ex`: the folder with 2 tasks prints 2, then exits 0 at the end of stdin', async () => {
    const { folder } = cli.folder();
    const ex = cli.kit.open(folder);
    await ex.addTask('a', HOLD);
    await ex.addTask('b', HOLD);
    const result = await cli.run(folder, ['repl'], { input: 'await ex.listTasks().then((r) => r.length)\n' });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(REPL_PROMPT);
    expect(answers(result.stdout)).toContain('2');
  });

  it('`ex.folder` is the folder and `Executor` is in scope', async () => {
    const { folder } = cli.folder();
    const input = 'ex.folder\ntypeof Executor\nex instanceof Executor\n';
    const result = await cli.run(folder, ['repl'], { input });
    expect(result.exitCode).toBe(0);
    const said = answers(result.stdout);
    expect(said).toContain(`'${folder}'`);
    expect(said).toContain("'function'");
    expect(said).toContain('true');
    expect(result.stdout).toContain(JSON.stringify(folder)); // the banner names it too
  });

  it('an error in the input is reported by the REPL, which goes on and exits 0', async () => {
    const { folder } = cli.folder();
    const result = await cli.run(folder, ['repl'], { input: "await ex.readOut('nope')\n1 + 1\n" });
    expect(result.exitCode).toBe(0);
    expect(result.stdout + result.stderr).toMatch(/ERR_TASK_NOT_FOUND|TaskNotFoundError/);
    expect(answers(result.stdout)).toContain('2');
  });
});
