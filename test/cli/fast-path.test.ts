// `executor --version` and the top-level help are answered by the bin without loading the CLI or the SDK: the help
// from the copy `npm run build` writes, which must be the very text the full CLI prints off a terminal.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli as runCliInProcess } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/io.js';
import { runCli } from '../helpers/cli.js';

const PKG = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

async function fullHelp(): Promise<string> {
  let text = '';
  const sink = { write: (chunk: string) => ((text += chunk), true), isTTY: false };
  const io = { stdout: sink, stderr: sink, stdin: process.stdin, env: {}, cwd: process.cwd(), onStopSignal: () => () => undefined } as unknown as CliIo;
  expect(await runCliInProcess(['--help'], io)).toBe(0);
  return text;
}

describe('the bin fast path', () => {
  it('prints the version from package.json for --version and -V', async () => {
    for (const flag of ['--version', '-V']) expect(await runCli([flag])).toMatchObject({ exitCode: 0, stdout: `${PKG.version}\n`, stderr: '' });
  });

  it('prints the same help as the full CLI for --help, -h and no arguments', async () => {
    const help = await fullHelp();
    expect(help).toContain('Usage: executor');
    for (const argv of [['--help'], ['-h'], []]) expect(await runCli(argv)).toMatchObject({ exitCode: 0, stdout: help, stderr: '' });
  });

  it('leaves everything else to the full CLI', async () => {
    expect(await runCli(['--nope'])).toMatchObject({ exitCode: 2 });
    expect((await runCli(['ls', '--help'])).stdout).toContain('Usage: executor ls');
  });
});
