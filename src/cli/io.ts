// The CLI's only link to the outside world: its streams, environment, working directory and stop signals.

/** A writable text stream, as much of it as the CLI uses. */
export interface CliStream {
  write(chunk: string): boolean;
  /** True on a terminal. */
  isTTY?: boolean;
  /** Terminal width, when known. */
  columns?: number;
}

/** Everything the CLI reads from or writes to its process. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Read by `repl`. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** Resolves relative paths (`--folder`, `--file`, `--wd`). */
  cwd: string;
  /** Calls `handler` once on the first SIGINT or SIGTERM (or a closed stdout pipe); returns a function that removes it. */
  onStopSignal(handler: (signal: NodeJS.Signals) => void): () => void;
}

/** Signals that end a foreground command (`supervise`, `logs -f`, `log -f`, `run --wait`). */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** The real process's streams and signals. */
export function nodeIo(): CliIo {
  const handlers = new Set<(signal: NodeJS.Signals) => void>();
  // A reader that went away (`executor logs -f | head`) ends a foreground command as Ctrl-C does; the rest of the
  // output has nowhere to go, and the stream's error is not a failure of the command.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') for (const handler of [...handlers]) handler('SIGPIPE');
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // A getter: Node builds process.stdin (a stream over the terminal, pipe or file) on first access, and only
    // `repl` reads it.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
    onStopSignal(handler) {
      // The process listeners go on the next turn, not while the signal is being delivered: signal-exit (which
      // proper-lockfile loads on the first lock) re-raises a signal whose only remaining listeners are its own.
      let fired = false;
      const once = (signal: NodeJS.Signals): void => {
        if (fired) return;
        fired = true;
        handlers.delete(once);
        setImmediate(off);
        handler(signal);
      };
      const off = (): void => { handlers.delete(once); for (const s of STOP_SIGNALS) process.off(s, once); };
      handlers.add(once);
      for (const s of STOP_SIGNALS) process.on(s, once);
      return off;
    },
  };
}
