import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError, IdMismatchError, InvalidOptionError } from '../../src/errors.js';
import { META_FILE, openFolderMeta, randomExecutorId } from '../../src/store/meta.js';
import { FORMAT_VERSION } from '../../src/store/records.js';
import { useStoreKit } from '../fixtures/store/kit.js';

const kit = useStoreKit();

const RACERS = 6;
const RACE_ROUNDS = 3;

function metaText(folder: string): string {
  return readFileSync(path.join(folder, META_FILE), 'utf8');
}

describe('openFolderMeta', () => {
  it('creates the folder (recursively) and executor.json with a random 8-hex id', () => {
    const folder = path.join(kit.tmpDir(), 'a', 'b', 'exec');
    const meta = openFolderMeta(folder, undefined);
    expect(meta).toEqual({ formatVersion: FORMAT_VERSION, id: expect.stringMatching(/^[0-9a-f]{8}$/), createdAt: expect.any(String) });
    expect(new Date(meta.createdAt).toISOString()).toBe(meta.createdAt);
    expect(JSON.parse(metaText(folder))).toEqual(meta);
    expect(readdirSync(folder)).toEqual([META_FILE]); // no temp file left
  });

  it('makes a different random id per folder', () => {
    const ids = new Set(Array.from({ length: 5 }, () => openFolderMeta(path.join(kit.tmpDir(), 'exec'), undefined).id));
    expect(ids.size).toBe(5);
    expect(randomExecutorId()).toMatch(/^[0-9a-f]{8}$/);
  });

  it('creates with the given id, and re-opening (with no id or the same id) re-uses it without rewriting', () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const created = openFolderMeta(folder, 'my-exec.1_A');
    expect(created.id).toBe('my-exec.1_A');
    const text = metaText(folder);
    expect(openFolderMeta(folder, undefined)).toEqual(created);
    expect(openFolderMeta(folder, 'my-exec.1_A')).toEqual(created);
    expect(metaText(folder)).toBe(text);
  });

  it('re-uses a random id on re-open', () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    const first = openFolderMeta(folder, undefined);
    expect(openFolderMeta(folder, undefined)).toEqual(first);
  });

  it('refuses a mismatched id with IdMismatchError and leaves the file unchanged', () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    openFolderMeta(folder, 'first');
    const text = metaText(folder);
    const error = (() => {
      try {
        openFolderMeta(folder, 'second');
        return null;
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(IdMismatchError);
    expect(error).toMatchObject({ code: 'ERR_ID_MISMATCH' });
    expect((error as Error).message).toContain('"first"');
    expect((error as Error).message).toContain('"second"');
    expect(metaText(folder)).toBe(text);
  });

  it.each([
    ['empty', ''], ['with a slash', 'a/b'], ['starting with a dot', '.hidden'], ['too long', 'x'.repeat(65)], ['with a space', 'a b'],
    ['a number', 42], ['null', null],
  ])('refuses an invalid id (%s) with InvalidOptionError and does not create the folder', (_label, id) => {
    const folder = path.join(kit.tmpDir(), 'exec');
    expect(() => openFolderMeta(folder, id as unknown as string)).toThrow(InvalidOptionError);
    expect(() => openFolderMeta(folder, id as unknown as string)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION', option: 'id' }) as Error);
    expect(existsSync(folder)).toBe(false);
  });

  it('accepts the longest valid id (64 characters)', () => {
    const folder = path.join(kit.tmpDir(), 'exec');
    expect(openFolderMeta(folder, 'x'.repeat(64)).id).toBe('x'.repeat(64));
  });

  it.each([
    ['garbage', 'not json'],
    ['no id', JSON.stringify({ formatVersion: FORMAT_VERSION, createdAt: 'x' })],
    ['another format version', JSON.stringify({ formatVersion: FORMAT_VERSION + 1, id: 'abc', createdAt: 'x' })],
  ])('refuses a corrupt executor.json (%s) with CorruptRecordError naming it, leaving it as is', (_label, text) => {
    const folder = kit.tmpDir();
    const file = path.join(folder, META_FILE);
    writeFileSync(file, text);
    expect(() => openFolderMeta(folder, undefined)).toThrow(CorruptRecordError);
    expect(() => openFolderMeta(folder, undefined)).toThrow(file);
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('gives every process racing to create the folder the same id', async () => {
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const folder = path.join(kit.tmpDir(), 'exec');
      const racers = Array.from({ length: RACERS }, () => kit.child(['meta', folder]));
      await Promise.all(racers.map((r) => r.line((l) => l.ready === r.child.pid)));
      for (const r of racers) r.child.stdin!.end('go\n');
      const results = await Promise.all(racers.map((r) => r.line((l) => 'id' in l || 'error' in l)));
      const stored = JSON.parse(metaText(folder)) as { id: string };
      expect(results).toEqual(Array.from({ length: RACERS }, () => ({ id: stored.id })));
      expect(readdirSync(folder)).toEqual([META_FILE]);
      for (const r of racers) expect(await r.exited, r.stderr()).toBe(0);
    }
  });
});
