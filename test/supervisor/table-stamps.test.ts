// TableStamps: a supervisor's full pass re-reads the records only when a record file changed since the last one. Every
// change here is made by another process (a real `node` child), on real files; none of them writes a journal line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TableStamps } from '../../src/supervisor/table-stamps.js';
import { T } from '../helpers/time.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function folder(): { root: string; tasks: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'exsdk-stamps-'));
  dirs.push(root);
  const tasks = path.join(root, 'tasks');
  mkdirSync(tasks);
  for (const name of ['alpha', 'beta']) writeFileSync(path.join(tasks, `${name}.json`), `{"name":"${name}","n":1}\n`);
  return { root, tasks };
}

// Runs `code` in another Node process, with `args` as process.argv.slice(1).
function other(code: string, ...args: string[]): void {
  execFileSync(process.execPath, ['-e', code, '--', ...args], { stdio: 'ignore', timeout: T(10_000) });
}

const inPlace = "const fs = require('node:fs'); const [file, from, to] = process.argv.slice(1); fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(from, to));";
const atomic = "const fs = require('node:fs'); const [file, text] = process.argv.slice(1); fs.writeFileSync(file + '.9.0.tmp', text); fs.renameSync(file + '.9.0.tmp', file);";
const remove = "require('node:fs').unlinkSync(process.argv[1]);";
const create = "require('node:fs').writeFileSync(process.argv[1], process.argv[2]);";

describe('TableStamps', () => {
  it('is true at first, then false while nothing changes', () => {
    const { root } = folder();
    const stamps = new TableStamps(root);
    expect(stamps.changed()).toBe(true);
    expect(stamps.changed()).toBe(false);
    expect(stamps.changed()).toBe(false);
  });

  it('sees an edit made in place by another process, even one that keeps the size', () => {
    const { root, tasks } = folder();
    const stamps = new TableStamps(root);
    stamps.changed();
    const file = path.join(tasks, 'alpha.json');
    const before = readFileSync(file, 'utf8');
    other(inPlace, file, '"n":1', '"n":2');
    expect(readFileSync(file, 'utf8')).toHaveLength(before.length);
    expect(stamps.changed()).toBe(true);
    expect(stamps.changed()).toBe(false);
  });

  it('sees a record replaced by a rename, added or removed by another process', () => {
    const { root, tasks } = folder();
    const stamps = new TableStamps(root);
    stamps.changed();
    other(atomic, path.join(tasks, 'beta.json'), '{"name":"beta","n":1}\n'); // the same bytes, a new file
    expect(stamps.changed()).toBe(true);
    expect(stamps.changed()).toBe(false);
    other(create, path.join(tasks, 'gamma.json'), '{}');
    expect(stamps.changed()).toBe(true);
    expect(stamps.changed()).toBe(false);
    other(remove, path.join(tasks, 'alpha.json'));
    expect(stamps.changed()).toBe(true);
    expect(stamps.changed()).toBe(false);
  });

  it('does not count a temp file or another entry as a record', () => {
    const { root, tasks } = folder();
    const stamps = new TableStamps(root);
    stamps.changed();
    other(create, path.join(tasks, 'alpha.json.77.0000abcd.tmp'), 'half a record');
    expect(stamps.changed()).toBe(false);
  });

  it('is true when tasks/ cannot be read, and again once it is back', () => {
    const { root, tasks } = folder();
    const stamps = new TableStamps(root);
    stamps.changed();
    rmSync(tasks, { recursive: true });
    expect(stamps.changed()).toBe(true);
    mkdirSync(tasks);
    expect(stamps.changed()).toBe(true);
    expect(stamps.changed()).toBe(false);
  });

  it('is true after forget()', () => {
    const { root } = folder();
    const stamps = new TableStamps(root);
    stamps.changed();
    stamps.forget();
    expect(stamps.changed()).toBe(true);
    expect(stamps.changed()).toBe(false);
  });
});
