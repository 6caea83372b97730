import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALERT_ENV_REASON_MAX_CHARS, sendCommand } from '../../../src/alert/channels/command.js';
import type { CommandAlertChannel } from '../../../src/alert/types.js';
import { useProcessSandbox } from '../../fixtures/process/janitor.js';
import { sampleRun, samplePayload } from '../../fixtures/alert/servers.js';
import { pidAlive, waitUntil } from '../../helpers/wait.js';
import { T } from '../../helpers/time.js';

const WRITE_STDIN = fileURLToPath(new URL('../../fixtures/alert/write-stdin.mjs', import.meta.url));
const sandbox = useProcessSandbox();

function channel(command: string[], timeoutMs = T(10_000)): CommandAlertChannel {
  return { type: 'command', command, timeoutMs };
}

function sh(script: string, timeoutMs?: number): CommandAlertChannel {
  return channel(['sh', '-c', script], timeoutMs);
}

interface Written { stdin: string; env: Record<string, string> }

function readWritten(file: string): Written {
  return JSON.parse(readFileSync(file, 'utf8')) as Written;
}

// Reads a pid a shell script wrote, and has the janitor kill it after the test.
async function trackedPid(file: string): Promise<number> {
  const pid = await waitUntil(() => (existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : 0), { what: `a pid in ${file}` });
  sandbox.janitor.track(pid);
  return pid;
}

describe('sendCommand', () => {
  it('gives the command the run record as JSON on stdin and the EXECUTOR_ALERT_* variables', async () => {
    const out = path.join(sandbox.dir, 'got.json');
    const payload = samplePayload({ suppressed: 2 });
    expect(await sendCommand(channel([process.execPath, WRITE_STDIN, out]), payload)).toEqual({ attempts: 1, error: null });
    const written = readWritten(out);
    expect(JSON.parse(written.stdin)).toEqual(payload.run);
    expect(written.env).toEqual({
      EXECUTOR_ALERT_KIND: 'failure', EXECUTOR_ALERT_TASK: 'job', EXECUTOR_ALERT_RUN_ID: 'run-1', EXECUTOR_ALERT_REASON: 'job exited with code 1',
      EXECUTOR_ALERT_SUPPRESSED: '2',
    });
  });

  it('gives the whole alert on stdin when there is no run', async () => {
    const out = path.join(sandbox.dir, 'got.json');
    const payload = samplePayload({ kind: 'restart-loop', run: null, runId: null });
    await sendCommand(channel([process.execPath, WRITE_STDIN, out]), payload);
    expect(JSON.parse(readWritten(out).stdin)).toEqual(payload);
  });

  it('runs a shell line through sh -c', async () => {
    const out = path.join(sandbox.dir, 'got.json');
    expect(await sendCommand(sh(`cat > '${out}'`), samplePayload())).toEqual({ attempts: 1, error: null });
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(samplePayload().run);
  });

  it('reports a non-zero exit with the end of stderr', async () => {
    expect(await sendCommand(sh('echo "no route to pager" >&2; exit 3'), samplePayload())).toEqual({ attempts: 1, error: 'exited with code 3: no route to pager' });
  });

  it('reports a command that cannot start', async () => {
    const outcome = await sendCommand(channel([path.join(sandbox.dir, 'missing')]), samplePayload());
    expect(outcome.error).toMatch(/ENOENT/);
  });

  it('reports a command that does not read its stdin only by its exit status', async () => {
    const payload = samplePayload({ run: sampleRun({ bootId: 'x'.repeat(1_000_000) }) });
    expect(await sendCommand(sh('exit 0'), payload)).toEqual({ attempts: 1, error: null });
  });

  it('cuts a long reason in the environment', async () => {
    const out = path.join(sandbox.dir, 'got.json');
    const reason = 'y'.repeat(1_000_000);
    expect(await sendCommand(channel([process.execPath, WRITE_STDIN, out]), samplePayload({ reason }))).toEqual({ attempts: 1, error: null });
    expect(readWritten(out).env.EXECUTOR_ALERT_REASON).toBe(reason.slice(0, ALERT_ENV_REASON_MAX_CHARS));
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = path.join(sandbox.dir, 'pid');
    const sending = sendCommand(sh(`sleep 30 & echo $! > '${pidFile}'; wait`, 300), samplePayload());
    const child = await trackedPid(pidFile);
    expect(await sending).toEqual({ attempts: 1, error: 'timed out after 300 ms' });
    await waitUntil(() => !pidAlive(child), { what: 'the background child to be killed' });
  });

  it('does not wait for a background child that keeps stderr open after the command exited', async () => {
    const pidFile = path.join(sandbox.dir, 'pid');
    const outcome = await sendCommand(sh(`sleep 30 & echo $! > '${pidFile}'`, T(20_000)), samplePayload());
    await trackedPid(pidFile);
    expect(outcome).toEqual({ attempts: 1, error: null });
  });
});
