// A writer prunes only archives older than its start and its own rotations, and never replaces a file when rotating.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWriter, type WriterProcessConfig } from '../../src/output/writer.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';

const T = Date.UTC(2026, 10, 24, 10, 0, 0, 5);
const sandbox = useProcessSandbox();

function config(extra: Partial<WriterProcessConfig> = {}): WriterProcessConfig {
  return {
    file: path.join(sandbox.dir, 'job.txt'), folder: sandbox.dir, task: 'job', stream: 'out', timestamps: false,
    maxOutputBytes: 10, maxArchiveBytes: 10, keepArchives: null, header: null, ...extra,
  };
}

async function* lines(n: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < n; i++) yield Buffer.from(`${String(i).padStart(4, '0')}\n`);
}

describe('runWriter pruning and rotation', () => {
  it('spares an archive-named file made after it started (an extra run not yet recorded), prunes older ones', async () => {
    writeFileSync(path.join(sandbox.dir, 'job_20261124-095959.txt'), 'old run\n'); // before the writer started
    writeFileSync(path.join(sandbox.dir, 'job_20261124-100000-7.txt'), 'extra run output\n'); // same second as its start
    await runWriter(config(), lines(20), { clock: () => T });
    const files = readdirSync(sandbox.dir);
    expect(files).not.toContain('job_20261124-095959.txt');
    expect(readFileSync(path.join(sandbox.dir, 'job_20261124-100000-7.txt'), 'utf8')).toBe('extra run output\n');
  });

  it('never replaces an existing file when it rotates: every rotation gets a free name', async () => {
    const foreign = 'job_20261124-100000-2.txt';
    writeFileSync(path.join(sandbox.dir, foreign), 'not mine\n');
    const result = await runWriter(config({ maxArchiveBytes: null }), lines(6), { clock: () => T });
    expect(result.rotations).toBeGreaterThan(1);
    expect(readFileSync(path.join(sandbox.dir, foreign), 'utf8')).toBe('not mine\n');
    const kept = readdirSync(sandbox.dir).filter((f) => f.startsWith('job_') && f !== foreign).map((f) => readFileSync(path.join(sandbox.dir, f), 'utf8'));
    expect([...kept, readFileSync(path.join(sandbox.dir, 'job.txt'), 'utf8')].join('').split('\n').filter(Boolean).sort()).toEqual(['0000', '0001', '0002', '0003', '0004', '0005']);
  });
});
