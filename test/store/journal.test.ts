import { appendFileSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal, JOURNAL_COMPACT_BYTES } from '../../src/store/journal.js';
import { useStoreKit } from '../fixtures/store/kit.js';

const kit = useStoreKit();

function names(...list: string[]): { kind: 'names'; names: Set<string> } {
  return { kind: 'names', names: new Set(list) };
}

/** A writer and a separate reader (as in two processes) on one journal file, the reader caught up. */
async function pair(): Promise<{ file: string; writer: Journal; reader: Journal }> {
  const file = path.join(kit.tmpDir(), 'journal.log');
  const writer = new Journal(file);
  const reader = new Journal(file);
  await writer.append('start');
  await reader.markSeen();
  return { file, writer, reader };
}

describe('Journal', () => {
  it('appends one name per line, coalescing appends of one turn into one write', async () => {
    const file = path.join(kit.tmpDir(), 'journal.log');
    const journal = new Journal(file);
    await Promise.all([journal.append('a'), journal.append('b'), journal.append('a')]);
    await journal.append('c');
    expect(readFileSync(file, 'utf8')).toBe('a\nb\na\nc\n');
  });

  it('changes() returns the distinct names appended since the last look, then nothing', async () => {
    const { writer, reader } = await pair();
    await Promise.all([writer.append('a'), writer.append('b')]);
    await writer.append('a');
    expect(await reader.changes()).toEqual(names('a', 'b'));
    expect(await reader.changes()).toEqual(names());
    await writer.append('c');
    expect(await reader.changes()).toEqual(names('c'));
  });

  it('markSeen skips everything written so far', async () => {
    const { writer, reader } = await pair();
    await writer.append('a');
    await writer.append('b');
    await reader.markSeen();
    expect(await reader.changes()).toEqual(names());
    await writer.append('c');
    expect(await reader.changes()).toEqual(names('c'));
  });

  it('a reader that has not looked yet and finds no journal sees no names; one that was never marked sees a reset', async () => {
    const file = path.join(kit.tmpDir(), 'journal.log');
    const reader = new Journal(file);
    expect(await reader.changes()).toEqual(names());
    await new Journal(file).append('a');
    expect(await reader.changes()).toEqual({ kind: 'reset' });
  });

  it('gives a reset when the journal is compacted by a writer past JOURNAL_COMPACT_BYTES (new inode), then names again', async () => {
    const { file, writer, reader } = await pair();
    const ino = statSync(file).ino;
    await writer.append('x'.repeat(JOURNAL_COMPACT_BYTES + 1));
    expect(statSync(file).size).toBe(0);
    expect(statSync(file).ino).not.toBe(ino);
    expect(await reader.changes()).toEqual({ kind: 'reset' });
    await reader.markSeen();
    await writer.append('after');
    expect(await reader.changes()).toEqual(names('after'));
  });

  it('gives a reset when the journal is replaced, shrinks or disappears', async () => {
    const { file, writer, reader } = await pair();
    await writer.append('a');
    writeFileSync(`${file}.new`, 'a\nb\nc\nd\ne\nf\n'); // bigger, but another file
    renameSync(`${file}.new`, file);
    expect(await reader.changes()).toEqual({ kind: 'reset' });

    await reader.markSeen();
    truncateSync(file, 2);
    expect(await reader.changes()).toEqual({ kind: 'reset' });

    await reader.markSeen();
    unlinkSync(file);
    expect(await reader.changes()).toEqual({ kind: 'reset' });
  });

  it('does not consume a partial trailing line until it is completed', async () => {
    const { file, reader } = await pair();
    appendFileSync(file, 'done\nhal');
    expect(await reader.changes()).toEqual(names('done'));
    expect(await reader.changes()).toEqual(names());
    appendFileSync(file, 'f-written');
    expect(await reader.changes()).toEqual(names());
    appendFileSync(file, '\nnext\n');
    expect(await reader.changes()).toEqual(names('half-written', 'next'));
  });

  it('counts offsets in bytes, so multi-byte names split across looks are read whole', async () => {
    const { file, reader } = await pair();
    const name = 'tâche-é';
    const bytes = Buffer.from(`${name}\n`);
    appendFileSync(file, bytes.subarray(0, 2)); // "t" and half of "â"
    expect(await reader.changes()).toEqual(names());
    appendFileSync(file, bytes.subarray(2, 4));
    expect(await reader.changes()).toEqual(names());
    appendFileSync(file, bytes.subarray(4));
    expect(await reader.changes()).toEqual(names(name));
    appendFileSync(file, 'z\n');
    expect(await reader.changes()).toEqual(names('z'));
  });
});
