// The dashboard could not listen: the address is taken or not ours. Kept apart from the server so that
// `import 'executor-sdk'` can export it without loading the dashboard.
import { ExecutorError } from '../errors.js';

/**
 * `ex.serve()` (or `executor ui`) could not listen on `host:port`: the port is taken (EADDRINUSE), the address is not
 * one of this machine's (EADDRNOTAVAIL), or binding is not allowed (EACCES).
 * @example
 * ```ts
 * try { await ex.serve({ port: 7070 }); } catch (e) { if (e instanceof ServeError) await ex.serve({ port: 0 }); }
 * ```
 */
export class ServeError extends ExecutorError {
  /** The address that was asked for, `host:port`. */
  readonly address: string;
  constructor(address: string, cause: unknown) {
    const code = (cause as { code?: unknown } | null)?.code;
    super('ERR_SERVE', `Expected to listen on ${address}, got ${typeof code === 'string' ? code : String((cause as Error)?.message ?? cause)}${code === 'EADDRINUSE' ? ' (the port is taken: pick another with --port, or 0 for any free port)' : ''}.`, { cause });
    this.address = address;
  }
}
