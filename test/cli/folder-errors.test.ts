// Issue 12 item 7 through the CLI: a folder path that cannot be one is `executor: ERR_FOLDER: …`, exit 1 — `ls` on a
// file included (it used to say "No tasks") — and a wrong entry inside the folder is reported the same way.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, useCli } from '../helpers/cli.js';

const cli = useCli();

const FOLDER_ERROR = /^executor: ERR_FOLDER: Expected ".*" to be a usable executor folder, got .+\.\n$/;

// A temp dir holding a plain file `plain` (not a folder known to the CLI kit: it would be opened after the test).
function plainFile(): { dir: string; file: string } {
  const dir = cli.kit.tmpDir();
  const file = path.join(dir, 'plain');
  writeFileSync(file, 'not a folder\n');
  return { dir, file };
}

describe('CLI on a folder path that cannot be one (issue 12 item 7)', () => {
  it('ls on a file exits 1 with ERR_FOLDER, not "No tasks"', async () => {
    const { file } = plainFile();
    const ls = await runCli(['ls'], { folder: file });
    expect(ls.stdout).toBe('');
    expect(ls.stderr).toMatch(FOLDER_ERROR);
    expect(ls.stderr).toContain(`${JSON.stringify(file)} to be a usable executor folder, got a file, not a folder`);
    expect(ls.exitCode).toBe(1);
  });

  it('ls --json and a path through a file: the same', async () => {
    const { file } = plainFile();
    const ls = await runCli(['ls', '--json'], { folder: path.join(file, 'exec') });
    expect(ls.stdout).toBe('');
    expect(ls.stderr).toMatch(FOLDER_ERROR);
    expect(ls.stderr).toContain(`a path through ${file}, which is a file`);
    expect(ls.exitCode).toBe(1);
  });

  it('add on a file exits 1 with ERR_FOLDER and leaves the file as it was', async () => {
    const { dir, file } = plainFile();
    writeFileSync(path.join(dir, 's.sh'), 'echo hi\n');
    const add = await runCli(['add', 'x', 's.sh'], { folder: file, cwd: dir });
    expect(add.stderr).toMatch(FOLDER_ERROR);
    expect(add.exitCode).toBe(1);
    expect(readdirSync(dir).sort()).toEqual(['plain', 's.sh']);
  });

  it('a file in place of tasks/ is ERR_FOLDER naming it, exit 1', async () => {
    const { folder } = cli.folder();
    const ex = cli.kit.open(folder);
    await ex.listTasks();
    const tasks = path.join(folder, 'tasks');
    rmSync(tasks, { recursive: true });
    writeFileSync(tasks, '');
    const ls = await cli.run(folder, ['ls']);
    expect(ls.stderr).toMatch(FOLDER_ERROR);
    expect(ls.stderr).toContain(`${JSON.stringify(tasks)} to be a usable executor folder, got a file where the folder tasks/ should be`);
    expect(ls.exitCode).toBe(1);
    // Put it right, so the kit can open the folder after the test.
    rmSync(tasks);
    mkdirSync(tasks);
  });
});
