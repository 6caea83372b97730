import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionError, SpawnError } from '../../src/errors.js';
import { HEADER_PID_TOKEN } from '../../src/output/header.js';
import { parseWriterConfig } from '../../src/output/writer.js';
import { planShim, resolveWriterEntry, type WriterOptions } from '../../src/process/shim-plan.js';
import { HEADER_SHIM_SCRIPT, SHIM_SCRIPT, SPLIT_WRITER_SHIM_SCRIPT, WRITER_SHIM_SCRIPT } from '../../src/process/shim.js';
import { loadExeca } from '../../src/process/load-execa.js';
import { spawnRun } from '../../src/process/spawn.js';

beforeAll(loadExeca); // spawnRun is synchronous: execa is loaded first, as the SDK's callers do

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const base = { command: ['node', 'job.js'], outputFile: '/f/job.txt', statusFile: '/s/status' };
const writer: WriterOptions = { timestamps: true, maxOutputBytes: 4096, maxArchiveBytes: null, keepArchives: 5, task: 'job', folder: '/f' };

describe('planShim', () => {
  it('keeps the default shim and arguments when there is no header and no writer', () => {
    expect(planShim(base, null)).toEqual({ script: SHIM_SCRIPT, args: ['/s/status', 'node', 'job.js'] });
    expect(planShim({ ...base, header: null, writer: null, stderrFile: '/f/job.err.txt' }, null).script).toBe(SHIM_SCRIPT);
  });

  it('passes the header to the header shim', () => {
    expect(planShim({ ...base, header: 'h\n' }, null)).toEqual({ script: HEADER_SHIM_SCRIPT, args: ['/s/status', 'h\n', 'node', 'job.js'] });
    expect(HEADER_SHIM_SCRIPT).toContain(HEADER_PID_TOKEN);
  });

  it('gives each writer its config: the header to stdout only, .err archives to stderr', () => {
    const merged = planShim({ ...base, header: 'h\n', writer }, '/w.js');
    expect(merged.script).toBe(WRITER_SHIM_SCRIPT);
    expect(merged.args.slice(0, 3)).toEqual(['/s/status', process.execPath, '/w.js']);
    expect(parseWriterConfig(merged.args[3])).toEqual({
      file: '/f/job.txt', folder: '/f', task: 'job', stream: 'out', timestamps: true, maxOutputBytes: 4096, maxArchiveBytes: null, keepArchives: 5, header: 'h\n',
    });
    expect(merged.args.slice(4)).toEqual(['node', 'job.js']);
    const split = planShim({ ...base, header: 'h\n', writer, stderrFile: '/f/job.err.txt' }, '/w.js');
    expect(split.script).toBe(SPLIT_WRITER_SHIM_SCRIPT);
    expect(parseWriterConfig(split.args[4])).toMatchObject({ file: '/f/job.err.txt', stream: 'err', header: null });
    expect(split.args.slice(5)).toEqual(['node', 'job.js']);
  });

  it('fails without a writer entry', () => {
    expect(() => planShim({ ...base, writer }, null)).toThrow(/npm run build/);
  });
});

describe('resolveWriterEntry', () => {
  it('finds the built entry from the source tree, and nothing where there is none', () => {
    expect(resolveWriterEntry()).toBe(path.join(REPO, 'dist', 'output', 'writer-main.js'));
    expect(resolveWriterEntry(pathToFileURL(path.join(REPO, 'dist', 'process', 'spawn.js')).href)).toBe(path.join(REPO, 'dist', 'output', 'writer-main.js'));
    expect(resolveWriterEntry(pathToFileURL('/nonexistent/src/process/spawn.ts').href)).toBeNull();
  });
});

describe('spawnRun writer options', () => {
  it('rejects malformed writer options before spawning anything', () => {
    const opts = { ...base, cwd: '/', env: {} };
    for (const bad of [{ ...writer, timestamps: 'yes' }, { ...writer, maxOutputBytes: 0 }, { ...writer, keepArchives: null }, { ...writer, task: '' }]) {
      expect(() => spawnRun({ ...opts, writer: bad as unknown as WriterOptions })).toThrow(InvalidOptionError);
    }
    expect(() => spawnRun({ ...opts, outputFile: '/nonexistent/job.txt', writer })).toThrow(SpawnError);
  });
});
