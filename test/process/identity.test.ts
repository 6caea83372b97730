import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAlive, parseProcStat, readBootId, readIdentity, readProcStat, readProcState } from '../../src/process/identity.js';
import { listChildren } from '../../src/process/tree.js';
import { useProcessSandbox } from '../fixtures/process/janitor.js';
import { waitUntil } from '../helpers/wait.js';

const sandbox = useProcessSandbox();
const { janitor } = sandbox;

/** Spawns a command and remembers it for cleanup. */
function start(file: string, args: string[], detached = false): ChildProcess {
  const child = spawn(file, args, { stdio: 'ignore', detached });
  janitor.track(child.pid);
  return child;
}

describe('readBootId', () => {
  it('returns the kernel boot id', () => {
    expect(readBootId()).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    expect(readBootId()).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('readIdentity', () => {
  it('reads the identity of this process', () => {
    const me = readIdentity(process.pid);
    expect(me).toEqual({ pid: process.pid, startTime: expect.any(Number), bootId: readBootId() });
    expect(me!.startTime).toBeGreaterThan(0);
    expect(readIdentity(process.pid)).toEqual(me);
    expect(isAlive(me!)).toBe(true);
  });

  it('reads the identity of a child, started after this process', () => {
    const child = start('sleep', ['30']);
    const id = readIdentity(child.pid!);
    expect(id?.pid).toBe(child.pid);
    expect(id!.startTime).toBeGreaterThanOrEqual(readIdentity(process.pid)!.startTime);
    expect(readProcStat(child.pid!)?.ppid).toBe(process.pid);
    expect(isAlive(id!)).toBe(true);
  });

  it('returns null for a missing pid, and for pids that cannot exist', async () => {
    const child = spawn('true', [], { stdio: 'ignore' });
    const pid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    await waitUntil(() => readProcStat(pid) === null, { what: `pid ${pid} to be reaped` });
    expect(readIdentity(pid)).toBeNull();
    expect(readProcState(pid)).toBeNull();
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(readIdentity(bad)).toBeNull();
  });

  it('returns null for a zombie, and isAlive turns false once the process is a zombie', async () => {
    // The child is forked before TERM is ignored; the parent then becomes `sleep`, which never reaps it.
    const parent = start('/bin/sh', ['-c', 'sleep 30 & exec sleep 31'], true);
    const childPid = await waitUntil(() => (readProcStat(parent.pid!)?.comm === 'sleep' ? listChildren(parent.pid!)[0] : undefined), { what: 'the child sleep' });
    const childId = readIdentity(childPid)!;
    expect(isAlive(childId)).toBe(true);
    process.kill(childPid, 'SIGKILL');
    await waitUntil(() => readProcState(childPid) === 'Z', { what: 'the child to be a zombie' });
    expect(readIdentity(childPid)).toBeNull();
    expect(isAlive(childId)).toBe(false);
    expect(readProcStat(childPid)?.startTime).toBe(childId.startTime);
  });
});

describe('isAlive', () => {
  it('is false for the right pid with another start time or another boot', () => {
    const child = start('sleep', ['30']);
    const id = readIdentity(child.pid!)!;
    expect(isAlive({ ...id, startTime: id.startTime - 1 })).toBe(false);
    expect(isAlive({ ...id, bootId: '00000000-0000-0000-0000-000000000000' })).toBe(false);
    expect(isAlive(id)).toBe(true);
  });
});

describe('parseProcStat', () => {
  it('splits after the last ")" so comm may hold spaces and parentheses', () => {
    const line = '4242 (a) b (c) d) S 7 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1 2 3 4';
    expect(parseProcStat(line)).toEqual({ pid: 4242, comm: 'a) b (c) d', state: 'S', ppid: 7, pgrp: 4242, session: 4242, startTime: 98765 });
    expect(parseProcStat('garbage')).toBeNull();
    expect(parseProcStat('1 (x) S 2')).toBeNull();
  });

  it('reads a real process whose name holds spaces and parentheses', async () => {
    const weird = path.join(sandbox.dir, 'a) b (c');
    symlinkSync('/bin/sleep', weird);
    const child = start(weird, ['30']);
    await waitUntil(() => readProcStat(child.pid!)?.comm === 'a) b (c', { what: 'the exec to finish' });
    const stat = readProcStat(child.pid!)!;
    expect(stat).toMatchObject({ pid: child.pid, ppid: process.pid, state: expect.stringMatching(/^[RSD]$/) });
    expect(readIdentity(child.pid!)?.startTime).toBe(stat.startTime);
  });
});
