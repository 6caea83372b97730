// `ui`: the web dashboard of the folder, in the foreground until SIGINT or SIGTERM.
import type { Command } from 'commander';
import { DEFAULT_UI_HOST, DEFAULT_UI_PORT } from '../../ui/options.js';
import type { CliContext } from '../context.js';
import { portNumber } from '../parse.js';

interface UiFlags { port: number; host: string; readOnly?: boolean; token?: string; open?: boolean }

const HELP = `
Examples:
  $ executor ui                              # http://127.0.0.1:7070/, this machine only
  $ executor ui --port 8080 --read-only --open
  $ executor ui --host 0.0.0.0               # reachable from the network: a token is generated and printed once

--port 0 picks a free port. The dashboard is not a supervisor: run "executor supervise" for schedules and restarts.
Docs: docs/dashboard.md`;

// Opens `url` in the desktop's browser; a machine without one only loses the convenience.
async function openBrowser(url: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  const command = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}

async function ui(ctx: CliContext, flags: UiFlags): Promise<void> {
  const ex = ctx.executor({ create: true });
  let off = (): void => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => { off = ctx.io.onStopSignal(resolve); });
  try {
    const handle = await ex.serve({ port: flags.port, host: flags.host, readOnly: flags.readOnly === true, ...(flags.token === undefined ? {} : { token: flags.token }) });
    ctx.out(`Dashboard of ${ctx.folder}: ${handle.url}${flags.readOnly ? ' (read-only)' : ''}`);
    // Printed this once and nowhere else (not in the log): open the page with ?token=<token>, or send it as a Bearer token.
    if (handle.token !== null && flags.token === undefined) ctx.out(`Token (shown once): ${handle.token}`);
    ctx.err('Ctrl-C or SIGTERM to stop.');
    if (flags.open) await openBrowser(handle.token === null ? handle.url : `${handle.url}?token=${encodeURIComponent(handle.token)}`);
    const signal = await signalled;
    ctx.err(`${signal}: closing the dashboard.`);
    await handle.close();
    await ex.close();
  } finally {
    off();
  }
}

/** Registers `ui`. */
export function registerUi(program: Command, ctx: CliContext): void {
  program.command('ui')
    .description('serve the web dashboard of the folder (tasks, runs, live output, controls) until SIGINT or SIGTERM')
    .option('--port <port>', 'TCP port (0: any free port)', portNumber, DEFAULT_UI_PORT)
    .option('--host <host>', 'address to bind; off loopback a token is required', DEFAULT_UI_HOST)
    .option('--read-only', 'hide the controls and refuse them')
    .option('--token <token>', 'the token requests must carry (default: none on loopback, generated elsewhere)')
    .option('--open', "open the dashboard in the desktop's browser")
    .addHelpText('after', HELP)
    .action((flags: UiFlags) => ui(ctx, flags));
}

