// Interrupting a tslab kernel (the Jupyter ■ button: a SIGINT to the kernel's process group) while a cell follows a
// task's output ends the cell and the follower (nothing more is printed), and the kernel answers the next cell.
// Driven by test/notebook/interrupt.py through Debian's jupyter_client.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';
import { kernelSetup } from './kernel.js';

const kit = useExecutors();
const DRIVER = fileURLToPath(new URL('./interrupt.py', import.meta.url));

describe('interrupting a tslab kernel', () => {
  it('ends a followOut cell and its follower, and the kernel answers the next cell', async () => {
    const dir = kit.tmpDir();
    const folder = path.join(dir, 'jobs');
    writeFileSync(path.join(dir, 'tick.sh'), 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.1; done\n');
    const setup = kernelSetup(dir);
    kit.open(folder); // the task is stopped after the test
    const env = {
      ...setup.env, KERNEL_CWD: setup.project, AFTER: '1.5',
      SETUP: [
        "const { Executor } = require('executor-sdk');",
        `const ex = new Executor(${JSON.stringify(folder)});`,
        `await ex.addTask('tick', ${JSON.stringify(path.join(dir, 'tick.sh'))}, { interpreter: 'sh' });`,
        "await ex.startTask('tick');",
      ].join('\n'),
      LONG: "const follow = (async () => { for await (const line of ex.followOut('tick')) console.log(line); })();\nawait follow;",
    };
    const { stdout, code } = await new Promise<{ stdout: string; code: number }>((resolve) => {
      execFile('/usr/bin/python3', [DRIVER], { cwd: setup.project, env, timeout: T(120_000) }, (error, out, err) => {
        resolve({ stdout: `${out}${err}`, code: error ? ((error as { code?: number }).code ?? 1) : 0 });
      });
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    expect(result, stdout).toMatchObject({ setup: 'ok', interrupted: true, answer: '43', late: [], alive: true, ok: true });
    expect(code).toBe(0);
  });
});
