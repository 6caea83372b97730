// `ls`'s action, apart from its commander registration (commands/tasks.ts), so that the bin's fast path
// (cli/list-main.ts) runs the very same code without loading commander.
import type { TaskRow } from '../../task/rows.js';
import type { CliContext } from '../context.js';
import { renderTaskTable } from '../table.js';

/** `ls`'s flags. */
export interface ListFlags {
  /** Only tasks with this tag. */
  tag?: string;
  /** Print the rows as JSON. */
  json?: boolean;
}

/**
 * Prints the task table (or `[]`/a note when the folder does not exist yet: `ls` never creates it).
 * @example `await listCommand(ctx, { json: true }); // what \`executor ls --json\` prints`
 */
export async function listCommand(ctx: CliContext, flags: ListFlags): Promise<void> {
  const rows: TaskRow[] = ctx.folderExists() ? await ctx.executor().listTasks(flags.tag === undefined ? {} : { tag: flags.tag }) : [];
  if (flags.json) return ctx.json(rows);
  if (rows.length === 0) return ctx.out(`No tasks in ${ctx.folder}${flags.tag === undefined ? '' : ` tagged ${JSON.stringify(flags.tag)}`}.`);
  ctx.out(renderTaskTable(rows, { now: Date.now(), paint: ctx.paint, width: ctx.io.stdout.isTTY ? ctx.io.stdout.columns : undefined }));
}
