// Issue 12 item 7: a task file holding null or a folder at tasks/<name>.json is cleared by addTask with replace
// (CLI add --replace) and by removeTask (CLI rm); add without replace refuses it (test/store/corrupt-entries.test.ts).
import { copyFileSync, mkdirSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const kit = useExecutors();

const SHAPES: Array<[string, (file: string) => void]> = [
  ['a file holding null', (file) => writeFileSync(file, 'null\n')],
  ['a folder at tasks/bad.json', (file) => {
    unlinkSync(file);
    mkdirSync(file);
    writeFileSync(path.join(file, 'inside.txt'), 'x');
  }],
];

async function withBadTask(breakIt: (file: string) => void) {
  const { ex, dir } = kit.make();
  copyFileSync(fixture('once.js'), path.join(dir, 'once.js'));
  await ex.addTask('good', 'once.js', { wd: dir });
  await ex.addTask('bad', 'once.js', { wd: dir });
  breakIt(path.join(ex.folder, 'tasks', 'bad.json'));
  return { ex, dir, tasks: path.join(ex.folder, 'tasks') };
}

describe('clearing a bad entry in tasks/ (issue 12 item 7)', () => {
  it.each(SHAPES)('%s: addTask with replace writes a good record over it, and the task runs', async (_label, breakIt) => {
    const { ex, dir, tasks } = await withBadTask(breakIt);
    await ex.addTask('bad', 'once.js', { wd: dir, replace: true });
    expect(readdirSync(tasks).sort()).toEqual(['bad.json', 'good.json']);
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['bad', 'good']);
    await ex.startTask('bad');
    await ex.waitFor('bad', 'succeeded', { timeout: T(10_000) });
  });

  it.each(SHAPES)('%s: removeTask removes it and leaves the others', async (_label, breakIt) => {
    const { ex, tasks } = await withBadTask(breakIt);
    await ex.removeTask('bad');
    expect(readdirSync(tasks)).toEqual(['good.json']);
    expect((await ex.listTasks()).map((r) => r.name)).toEqual(['good']);
    await expect(ex.removeTask('bad')).rejects.toMatchObject({ code: 'ERR_TASK_NOT_FOUND' });
  });
});
