// The bin's fast path for `executor ls` / `executor list`: the same command as the full CLI (commands/list.ts), for
// the plain command lines below, without loading commander and the other commands. Any other line (help, an unknown
// or repeated flag, a missing value) is left to the full CLI, which parses and reports it as usual.
import { CliContext } from './context.js';
import type { CliIo } from './io.js';
import { listCommand, type ListFlags } from './commands/list.js';

export { nodeIo } from './io.js';

/** A plain `ls` command line, as the fast path takes it. */
export interface ListArgv {
  /** `--folder`, if given. */
  folder: string | undefined;
  /** `--debug`. */
  debug: boolean;
  /** `--json`, `--tag`. */
  flags: ListFlags;
}

const COMMANDS: ReadonlySet<string> = new Set(['ls', 'list']);
const VALUE_OPTIONS: Readonly<Record<string, 'folder' | 'tag'>> = { '--folder': 'folder', '--tag': 'tag' };

/**
 * Parses `[--folder DIR] [--debug] ls|list [--json] [--tag TAG]` (options in any place, `--opt=value` too); null for
 * anything else. Commander reads these lines the same way.
 * @example `parseListArgv(['ls', '--json']) // { folder: undefined, debug: false, flags: { json: true } }`
 */
export function parseListArgv(argv: readonly string[]): ListArgv | null {
  const values: { folder?: string; tag?: string } = {};
  let command = false;
  let debug = false;
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const key = VALUE_OPTIONS[eq > 0 ? arg.slice(0, eq) : arg];
    if (key !== undefined) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '' || value.startsWith('-') || values[key] !== undefined) return null;
      values[key] = value;
    } else if (arg === '--debug' && !debug) debug = true;
    else if (arg === '--json' && !json) json = true;
    else if (COMMANDS.has(arg) && !command) command = true;
    else return null;
  }
  if (!command) return null;
  const flags: ListFlags = json ? { json } : {};
  if (values.tag !== undefined) flags.tag = values.tag;
  return { folder: values.folder, debug, flags };
}

/**
 * Runs a plain `ls` command line and resolves with the exit code, or with null when `argv` is not one (then the full
 * CLI, `runCli`, should run it).
 * @example `const code = (await runListCli(argv, nodeIo())) ?? (await runCli(argv, nodeIo()));`
 */
export async function runListCli(argv: readonly string[], io: CliIo): Promise<number | null> {
  const parsed = parseListArgv(argv);
  if (parsed === null) return null;
  const ctx = new CliContext(io);
  ctx.folderOption = parsed.folder;
  ctx.debug = parsed.debug;
  try {
    await listCommand(ctx, parsed.flags);
    return ctx.exitCode;
  } catch (error) {
    return ctx.fail(error, argv);
  }
}
