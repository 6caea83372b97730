// statBytes and ProcCache.isAlive: the liveness check a supervisor makes for every foreign run on every pass, from the
// raw bytes of /proc/<pid>/stat, must answer what isAlive (parseProcStat on the decoded line) answers. Real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, parseProcStat, readBootId, readIdentity, readProcStat } from '../../src/process/identity.js';
import { ProcCache } from '../../src/process/proc-cache.js';
import { statBytes } from '../../src/process/stat-bytes.js';
import { waitUntil } from '../helpers/wait.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL'); // each child leads its own group
    } catch {
      // already gone
    }
  }
});

function start(script: string): ChildProcess {
  const child = spawn('/bin/sh', ['-c', script], { stdio: 'ignore', detached: true });
  children.push(child);
  return child;
}

const rawStat = (pid: number): Buffer => readFileSync(`/proc/${pid}/stat`);

describe('statBytes', () => {
  it('reads the state and start time parseProcStat reads, for real processes', () => {
    const child = start('sleep 30; :');
    for (const pid of [process.pid, child.pid!, 1]) {
      const bytes = rawStat(pid);
      const parsed = parseProcStat(bytes.toString('utf8'))!;
      expect(statBytes(bytes, bytes.length)).toEqual({ dead: false, startTime: parsed.startTime });
    }
  });

  it('counts fields after the last parenthesis, whatever the comm holds', async () => {
    // The shell names itself `x) (y z` (spaces and parentheses), then waits.
    const child = start("printf '%s' 'x) (y z' > /proc/$$/comm; sleep 30; :");
    await waitUntil(() => readProcStat(child.pid!)?.comm === 'x) (y z', { what: 'the new comm' });
    const bytes = rawStat(child.pid!);
    expect(statBytes(bytes, bytes.length)).toEqual({ dead: false, startTime: readProcStat(child.pid!)!.startTime });
  });

  it('is null for a line cut before its start time ends, or malformed', () => {
    const bytes = rawStat(process.pid);
    const text = bytes.toString('latin1');
    const close = text.lastIndexOf(')');
    const field22 = text.slice(close + 2).split(' ').slice(0, 20).join(' ').length + close + 2; // just after field 22
    expect(statBytes(bytes, field22)).toBeNull(); // may be cut short: not trusted
    expect(statBytes(bytes, field22 + 1)).not.toBeNull();
    expect(statBytes(Buffer.from('garbage without fields'), 22)).toBeNull();
    expect(statBytes(Buffer.from('42 (sh) S 1 2'), 13)).toBeNull();
  });

  it('sees a zombie as dead', async () => {
    // `sleep 0.2` ends as a child of a process (`exec`ed sleep) that never reaps it.
    const parent = start('sleep 0.2 & exec sleep 30');
    const zombie = await waitUntil(() => {
      const kids = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(' ').filter(Boolean).map(Number);
      return kids.find((pid) => readProcStat(pid)?.state === 'Z');
    }, { what: 'a zombie child' });
    const bytes = rawStat(zombie);
    expect(statBytes(bytes, bytes.length)).toMatchObject({ dead: true });
    const id = { pid: zombie, startTime: readProcStat(zombie)!.startTime, bootId: readBootId() };
    expect(new ProcCache().isAlive(id)).toBe(false);
    expect(isAlive(id)).toBe(false);
  });
});

describe('ProcCache.isAlive', () => {
  it('answers as isAlive does: live, another start time, another boot, gone', async () => {
    const cache = new ProcCache();
    const child = start('sleep 30; :');
    const id = readIdentity(child.pid!)!;
    expect(cache.isAlive(id)).toBe(true);
    expect(cache.isAlive({ ...id, startTime: id.startTime + 1 })).toBe(false);
    expect(cache.isAlive({ ...id, bootId: 'another-boot' })).toBe(false);
    expect(cache.isAlive({ ...id, pid: -1 })).toBe(false);
    expect(cache.isAlive(readIdentity(process.pid)!)).toBe(true); // the buffer is reused: a longer line after a shorter one
    process.kill(-child.pid!, 'SIGKILL');
    await waitUntil(() => !isAlive(id), { what: 'the child gone' });
    expect(cache.isAlive(id)).toBe(false);
  });
});
