// Progress for long waits: a spinner on stderr, only when stderr is a terminal and not under CI.
import type { Ora } from 'ora';
import type { CliContext } from './context.js';

/** A running progress indicator. */
export interface Progress {
  /** Changes the text after the spinner. */
  update(text: string): void;
  /** Writes a stdout line without garbling the spinner. */
  line(text: string): void;
  /** Removes the spinner. */
  stop(): void;
}

/** True when progress is drawn: stderr is a terminal with a known width, `CI` is unset and `TERM` is not `dumb`. */
export function progressEnabled(ctx: CliContext): boolean {
  // A 0-column terminal (a fresh pty, `docker exec -t`) would make the spinner's line count infinite.
  return ctx.io.stderr.isTTY === true && (ctx.io.stderr.columns ?? 0) > 0 && ctx.io.env.CI === undefined && ctx.io.env.TERM !== 'dumb';
}

/**
 * Starts a spinner with `text` (a no-op when progress is off: lines then go straight to stdout).
 * @example `const p = startProgress(ctx, 'stopping 3 tasks'); p.line('web: stopped'); p.stop();`
 */
export function startProgress(ctx: CliContext, text: string): Progress {
  if (!progressEnabled(ctx)) return { update: () => undefined, line: (t) => ctx.out(t), stop: () => undefined };
  let spinner: Ora | null = null;
  let current = text;
  let stopped = false;
  // ora loads only when a spinner is drawn (a terminal), off the command's path.
  void import('ora').then(({ default: ora }) => {
    if (!stopped) spinner = ora({ text: current, stream: ctx.io.stderr as NodeJS.WritableStream, discardStdin: false, isEnabled: true }).start();
  }, () => undefined);
  return {
    update: (t) => { current = t; if (spinner) spinner.text = t; },
    line: (t) => { spinner?.clear(); ctx.out(t); spinner?.render(); },
    stop: () => { stopped = true; spinner?.stop(); },
  };
}
