import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import { HEADER_PID_TOKEN } from '../../src/output/header.js';
import { parseWriterConfig, runWriter, type WriterProcessConfig } from '../../src/output/writer.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { pidAlive, waitUntil } from '../helpers/wait.js';

const WRITER_MAIN = fileURLToPath(new URL('../../dist/output/writer-main.js', import.meta.url));
const T = Date.UTC(2026, 10, 24, 10, 0, 0, 5);
const S = '2026-11-24T10:00:00.005Z ';
const sandbox = useProcessSandbox();

function config(extra: Partial<WriterProcessConfig> = {}): WriterProcessConfig {
  return {
    file: path.join(sandbox.dir, 'job.txt'), folder: sandbox.dir, task: 'job', stream: 'out', timestamps: false,
    maxOutputBytes: null, maxArchiveBytes: null, keepArchives: null, header: null, ...extra,
  };
}

async function* chunks(...parts: string[]): AsyncGenerator<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

const read = (f = 'job.txt'): string => readFileSync(path.join(sandbox.dir, f), 'utf8');

describe('runWriter', () => {
  it('writes the header (pid token replaced) before the output, unstamped', async () => {
    const header = `# pid: ${HEADER_PID_TOKEN}\n`;
    await runWriter(config({ header, timestamps: true }), chunks('a\nb', 'c\n'), { clock: () => T, ppid: 4321 });
    expect(read()).toBe(`# pid: 4321\n${S}a\n${S}bc\n`);
  });

  it('copies bytes as they are without timestamps (no newline added at the end)', async () => {
    const result = await runWriter(config(), chunks('x\r\n', 'partial'));
    expect(read()).toBe('x\r\npartial');
    expect(result).toEqual({ bytesIn: 10, rotations: 0, pruned: [] });
  });

  it('ends a stamped partial last line with a newline at the end of the input', async () => {
    await runWriter(config({ timestamps: true }), chunks('a\npar', 'tial'), { clock: () => T });
    expect(read()).toBe(`${S}a\n${S}partial\n`);
  });

  it('rotates at the cap and prunes the archives after each rotation', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(4, '0')}\n`); // 5 bytes each
    const result = await runWriter(config({ maxOutputBytes: 10, maxArchiveBytes: 20, keepArchives: 3 }), chunks(lines.join('')), { clock: () => T });
    expect(result.rotations).toBe(14);
    const kept = readdirSync(sandbox.dir).filter((f) => f.startsWith('job_')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    expect(kept).toEqual(['job_20261124-100000-13.txt', 'job_20261124-100000-14.txt']);
    expect(result.pruned).toHaveLength(12);
    expect(kept.map((f) => read(f)).join('') + read()).toBe(lines.slice(-6).join(''));
  });

  it('counts an input error as its end', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('a\nb');
      throw new Error('EIO');
    }
    await runWriter(config({ timestamps: true }), failing(), { clock: () => T });
    expect(read()).toBe(`${S}a\n${S}b\n`);
  });
});

describe('parseWriterConfig', () => {
  it('accepts a full config and rejects a malformed one', () => {
    expect(parseWriterConfig(JSON.stringify(config()))).toEqual(config());
    for (const bad of ['nope', 'null', '3', JSON.stringify({ ...config(), stream: 'both' }), JSON.stringify({ ...config(), maxOutputBytes: 0 }),
      JSON.stringify({ ...config(), keepArchives: -1 }), JSON.stringify({ ...config(), header: 3 }), JSON.stringify({ ...config(), file: '' })]) {
      expect(() => parseWriterConfig(bad)).toThrow(InvalidOptionError);
    }
  });
});

describe('the writer process (dist/output/writer-main.js)', () => {
  it('ignores TERM, INT and HUP, and exits 0 only at the end of its input, after flushing', async () => {
    expect(existsSync(WRITER_MAIN)).toBe(true);
    const child = spawn(process.execPath, [WRITER_MAIN, JSON.stringify(config({ timestamps: true, header: `pid ${HEADER_PID_TOKEN}\n` }))], { stdio: ['pipe', 'ignore', 'pipe'] });
    sandbox.janitor.track(child.pid);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.stdin.write('one\ntw');
    // Once its output shows, its handlers are in place.
    await waitUntil(() => existsSync(path.join(sandbox.dir, 'job.txt')) && read().includes('tw'), { what: 'the writer to write' });
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) child.kill(signal);
    child.stdin.write('o\nthree');
    await waitUntil(() => read().includes('three'), { what: 'the writer to go on after the signals' });
    expect(pidAlive(child.pid!)).toBe(true);
    child.stdin.end();
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
    const lines = read().split('\n');
    expect(lines[0]).toBe(`pid ${process.pid}`);
    expect(lines.slice(1).map((l) => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /, ''))).toEqual(['one', 'two', 'three', '']);
    expect(lines.slice(1, -1).every((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z /.test(l))).toBe(true);
  });

  it('fails (exit code 1) on a bad config', async () => {
    const child = spawn(process.execPath, [WRITER_MAIN, '{"file":3}'], { stdio: ['ignore', 'ignore', 'pipe'] });
    sandbox.janitor.track(child.pid);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(1);
    expect(stderr).toMatch(/writer config/);
  });
});
