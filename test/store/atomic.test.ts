import { linkSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../src/errors.js';
import {
  createFileExclusiveSync, parseJson, readJson, readJsonSync, RECORD_FILE_MODE, TEMP_SUFFIX, writeFileAtomic, writeFileAtomicSync,
} from '../../src/store/atomic.js';
import { useStoreKit } from '../fixtures/store/kit.js';

const kit = useStoreKit();

const WRITES_IN_CHILD = 300;
// Padding of child.mjs's big documents: a torn read would not match its version.
const PAD_BASE = 100_000;
const PAD_ODD_EXTRA = 50_000;

function tempFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(TEMP_SUFFIX));
}

describe('writeFileAtomic', () => {
  it('creates then replaces the content, with the record mode, leaving no temp file', async () => {
    const dir = kit.tmpDir();
    const file = path.join(dir, 'a.json');
    await writeFileAtomic(file, '{"v":1}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"v":1}\n');
    await writeFileAtomic(file, '{"v":2,"longer":true}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"v":2,"longer":true}\n');
    await writeFileAtomic(file, '{}');
    expect(readFileSync(file, 'utf8')).toBe('{}');
    expect(statSync(file).mode & 0o777).toBe(RECORD_FILE_MODE & ~process.umask());
    expect(readdirSync(dir)).toEqual(['a.json']);
  });

  it('replaces the file by rename (new inode), so an open reader keeps the old content', async () => {
    const dir = kit.tmpDir();
    const file = path.join(dir, 'a.json');
    await writeFileAtomic(file, 'old');
    const before = statSync(file).ino;
    await writeFileAtomic(file, 'new');
    expect(statSync(file).ino).not.toBe(before);
  });

  it('fails without leaving a temp file when the folder does not exist', async () => {
    const dir = kit.tmpDir();
    await expect(writeFileAtomic(path.join(dir, 'missing', 'a.json'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('never lets a reader see partial content while another process rewrites the file', async () => {
    const dir = kit.tmpDir();
    const file = path.join(dir, 'big.json');
    await writeFileAtomic(file, `${JSON.stringify({ v: 0, pad: 'x'.repeat(PAD_BASE) })}\n`);
    const writer = kit.child(['write-loop', file, String(WRITES_IN_CHILD)]);
    let done = false;
    void writer.exited.then(() => { done = true; });
    const versions = new Set<number>();
    let reads = 0;
    while (!done) {
      const value = (await readJson(file)) as { v: number; pad: string };
      reads++;
      expect(value.pad.length).toBe(PAD_BASE + (value.v % 2) * PAD_ODD_EXTRA);
      versions.add(value.v);
    }
    expect(await writer.exited, writer.stderr()).toBe(0);
    expect(writer.lines).toEqual([{ done: WRITES_IN_CHILD }]);
    expect(reads).toBeGreaterThan(0);
    expect(versions.size).toBeGreaterThan(1); // the reads overlapped the writes
    expect((readJsonSync(file) as { v: number }).v).toBe(WRITES_IN_CHILD);
    expect(tempFiles(dir)).toEqual([]);
  });
});

describe('writeFileAtomicSync', () => {
  it('replaces the content and leaves no temp file', () => {
    const dir = kit.tmpDir();
    const file = path.join(dir, 'a.json');
    writeFileAtomicSync(file, 'one');
    writeFileAtomicSync(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(readdirSync(dir)).toEqual(['a.json']);
  });
});

describe('readJson / readJsonSync / parseJson', () => {
  it('returns null for a missing file and the value for a good one', async () => {
    const dir = kit.tmpDir();
    const file = path.join(dir, 'a.json');
    expect(await readJson(file)).toBeNull();
    expect(readJsonSync(file)).toBeNull();
    writeFileSync(file, '{"a":[1,2]}');
    expect(await readJson(file)).toEqual({ a: [1, 2] });
    expect(readJsonSync(file)).toEqual({ a: [1, 2] });
  });

  it.each([['garbage', 'not json {'], ['a truncated record', '{"formatVersion":1,"rev":'], ['an empty file', '']])(
    'throws CorruptRecordError naming the file for %s',
    async (_label, text) => {
      const dir = kit.tmpDir();
      const file = path.join(dir, 'bad.json');
      writeFileSync(file, text);
      const error = await readJson(file).then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(CorruptRecordError);
      expect(error).toMatchObject({ code: 'ERR_CORRUPT_RECORD', file });
      expect((error as Error).message).toContain(file);
      expect(() => readJsonSync(file)).toThrow(CorruptRecordError);
      expect(() => readJsonSync(file)).toThrow(file);
    },
  );

  it('rethrows other read errors as they are (a directory is not a corrupt record)', async () => {
    const dir = kit.tmpDir();
    await expect(readJson(dir)).rejects.toMatchObject({ code: 'EISDIR' });
    expect(() => readJsonSync(dir)).toThrow(expect.objectContaining({ code: 'EISDIR' }) as Error);
  });

  it('parseJson names the given file', () => {
    expect(() => parseJson('/x/y.json', '{')).toThrow(expect.objectContaining({ file: '/x/y.json', code: 'ERR_CORRUPT_RECORD' }) as Error);
    expect(parseJson('/x/y.json', 'null')).toBeNull();
  });
});

describe('createFileExclusiveSync', () => {
  it('publishes once: a second call returns false and leaves the first content', () => {
    const dir = kit.tmpDir();
    const file = path.join(dir, 'executor.json');
    expect(createFileExclusiveSync(file, 'first\n', linkSync)).toBe(true);
    expect(createFileExclusiveSync(file, 'second\n', linkSync)).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('first\n');
    expect(readdirSync(dir)).toEqual(['executor.json']);
  });

  it('rethrows a link error other than EEXIST and removes its temp file', () => {
    const dir = kit.tmpDir();
    const file = path.join(dir, 'executor.json');
    const failing = (): void => {
      throw Object.assign(new Error('no links here'), { code: 'EPERM' });
    };
    expect(() => createFileExclusiveSync(file, 'x', failing)).toThrow('no links here');
    expect(readdirSync(dir)).toEqual([]);
  });
});
