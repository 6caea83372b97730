// `repl`: a Node REPL with `ex` bound to the folder's Executor (top-level await works; Ctrl-C interrupts it).
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Executor } from '../../executor.js';
import { watchReplInterrupts } from '../../task/interrupt.js';
import type { CliContext } from '../context.js';

/** The REPL's prompt. */
export const REPL_PROMPT = 'executor> ';
/** History file of interactive sessions, in the home folder (NODE_REPL_HISTORY='' turns it off). */
export const REPL_HISTORY_FILE = '.executor_repl_history';

async function repl(ctx: CliContext): Promise<void> {
  const ex = ctx.executor({ create: true });
  ctx.out(`ex = new Executor(${JSON.stringify(ctx.folder)}), id ${ex.id}. Try: await ex.listTasks()`);
  // breakEvalOnSigint: Ctrl-C rejects a pending `await` (as in `node`); watchReplInterrupts: and ends the followers and
  // waits it started, so nothing goes on printing into the prompt.
  const { start } = await import('node:repl'); // loaded only for this command: it pulls in readline, vm and more
  const server = start({
    prompt: REPL_PROMPT, input: ctx.io.stdin, output: ctx.io.stdout as NodeJS.WritableStream, terminal: ctx.io.stdin.isTTY === true, breakEvalOnSigint: true,
  });
  watchReplInterrupts(server);
  Object.assign(server.context, { ex, Executor });
  if (ctx.io.stdin.isTTY && ctx.io.env.NODE_REPL_HISTORY !== '') server.setupHistory(ctx.io.env.NODE_REPL_HISTORY ?? join(homedir(), REPL_HISTORY_FILE), () => undefined);
  await new Promise<void>((resolve) => server.on('exit', resolve));
}

/** Registers `repl`. */
export function registerRepl(program: Command, ctx: CliContext): void {
  program.command('repl')
    .description('open a Node REPL with `ex` bound to the folder\'s Executor (top-level await works)')
    .addHelpText('after', '\nExamples:\n  $ executor repl\n  executor> await ex.listTasks()\n  executor> await ex.readOut(\'web\', 20)')
    .action(() => repl(ctx));
}
