// The footer of a closed run, appended synchronously: the next run's start renames the output file to its archive
// name, and the footer must land in the old file before that (an append still queued on the thread pool could open
// the path after the rename and create a new file holding only the footer).
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';

const NEWLINE_BYTE = 0x0a;

/**
 * Appends `footer` to `file` on a line of its own (a last line without a newline is ended first), synchronously.
 * Never throws: a missing or unwritable output file gets no footer.
 * @example `appendFooterSync(join(folder, 'job.txt'), runFooter(exit, startedAt, Date.now()));`
 */
export function appendFooterSync(file: string, footer: string): void {
  let fd = -1;
  try {
    fd = openSync(file, 'a+');
    const { size } = fstatSync(fd);
    const last = Buffer.alloc(1);
    const ended = size === 0 || (readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === NEWLINE_BYTE);
    const data = Buffer.from(ended ? footer : `\n${footer}`);
    for (let done = 0; done < data.length;) done += writeSync(fd, data, done, data.length - done);
  } catch {
    // no output file to end (removed meanwhile): the run is closed all the same
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
