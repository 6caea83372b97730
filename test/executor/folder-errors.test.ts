// Issue 12 items 7 and 10: `new Executor(path)` on a path that cannot be an executor folder throws a typed FolderError
// (ERR_FOLDER) saying what is wrong — never a raw EEXIST, EISDIR, ENOTDIR, EACCES or ENAMETOOLONG, nor a hang — and
// writes nothing.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Executor, FolderError } from '../../src/index.js';
import { useExecutors } from '../helpers/executor.js';

const kit = useExecutors();
const IS_ROOT = process.getuid?.() === 0;
const mounts: string[] = [];

afterEach(() => {
  for (const dir of mounts.splice(0)) execFileSync('umount', [dir]);
});

function folderError(folder: string): FolderError {
  let thrown: unknown = null;
  try {
    new Executor(folder);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(FolderError);
  expect(thrown).toMatchObject({ code: 'ERR_FOLDER' });
  return thrown as FolderError;
}

// A folder this process cannot write: a read-only tmpfs when root (root writes through chmod), else chmod 500.
// Null (with a message) when root may not mount here.
function unwritableDir(): string | null {
  const dir = path.join(kit.tmpDir(), 'ro');
  mkdirSync(dir);
  if (!IS_ROOT) {
    chmodSync(dir, 0o500);
    return dir;
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    console.log('folder-errors: cannot mount a read-only tmpfs here (root writes through chmod): unwritable-folder case not run');
    return null;
  }
  mounts.push(dir);
  return dir;
}

describe('new Executor on a path that cannot be a folder (issue 12 item 7)', () => {
  it('a file: ERR_FOLDER saying it is a file', () => {
    const file = path.join(kit.tmpDir(), 'plain');
    writeFileSync(file, 'x');
    const error = folderError(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain('a file, not a folder');
    expect(error.path).toBe(file);
  });

  it('a path through a file: ERR_FOLDER naming that file', () => {
    const file = path.join(kit.tmpDir(), 'plain');
    writeFileSync(file, 'x');
    expect(folderError(path.join(file, 'exec', 'deeper')).message).toContain(`a path through ${file}, which is a file`);
  });

  it('an unwritable existing folder: ERR_FOLDER, nothing written', () => {
    const dir = unwritableDir();
    if (dir === null) return;
    const error = folderError(dir);
    expect(error.message).toMatch(IS_ROOT ? /read-only file system \(EROFS\)/ : /may not write \(EACCES\)/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a new folder inside an unwritable one: ERR_FOLDER', () => {
    const dir = unwritableDir();
    if (dir === null) return;
    expect(folderError(path.join(dir, 'exec')).message).toMatch(/EROFS|EACCES/);
  });

  it('a path under /proc, where mkdir gives ENOENT (Node\'s recursive mkdir would loop forever): ERR_FOLDER', () => {
    expect(folderError(`/proc/exsdk-${process.pid}/exec`).message).toContain('cannot be created (ENOENT)');
  });

  it('a path too long (ENAMETOOLONG), by whole length or by one name: ERR_FOLDER', () => {
    const base = kit.tmpDir();
    expect(folderError(path.join(base, 'n'.repeat(300))).message).toContain('longer than 255 bytes (ENAMETOOLONG)');
    expect(folderError(path.join(base, ...Array.from({ length: 40 }, () => 'd'.repeat(100)))).message).toContain('a path too long (ENAMETOOLONG)');
    expect(readdirSync(base)).toEqual([]);
  });

  it('a path with a NUL byte: ERR_FOLDER (item 10), nothing created', () => {
    const base = kit.tmpDir();
    expect(folderError(path.join(base, 'a\0b')).message).toContain('NUL byte');
    expect(readdirSync(base)).toEqual([]);
  });
});

describe('a wrong entry inside the folder (issue 12 item 7)', () => {
  it.each(['tasks', 'runs', 'locks'])('a file at %s/: ERR_FOLDER naming it, and no executor.json written', (entry) => {
    const folder = path.join(kit.tmpDir(), 'exec');
    mkdirSync(folder);
    writeFileSync(path.join(folder, entry), 'x');
    const error = folderError(folder);
    expect(error.path).toBe(path.join(folder, entry));
    expect(error.message).toContain(`a file where the folder ${entry}/ should be`);
    expect(existsSync(path.join(folder, 'executor.json'))).toBe(false);
  });

  it('a file at tasks/ of an existing folder: ERR_FOLDER', () => {
    const { ex } = kit.make();
    const tasks = path.join(ex.folder, 'tasks');
    execFileSync('rm', ['-r', tasks]);
    writeFileSync(tasks, '');
    expect(folderError(ex.folder).path).toBe(tasks);
  });

  it('a folder at executor.json: ERR_FOLDER naming it', () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    mkdirSync(path.join(folder, 'executor.json'), { recursive: true });
    const error = folderError(folder);
    expect(error.path).toBe(path.join(folder, 'executor.json'));
    expect(error.message).toContain('a folder where the file executor.json should be');
  });

  it('executor.json holding null: ERR_CORRUPT_RECORD naming it (not taken as absent)', () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    mkdirSync(folder);
    writeFileSync(path.join(folder, 'executor.json'), 'null\n');
    expect(() => new Executor(folder)).toThrow(expect.objectContaining({ code: 'ERR_CORRUPT_RECORD', file: path.join(folder, 'executor.json') }) as Error);
  });
});
