// Task names become file names, so only a safe subset is allowed.
import { InvalidTaskNameError } from '../errors.js';

/** The allowed task-name grammar. */
export const TASK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
// A name ending like an archive stamp would collide with another task's archive files.
const ARCHIVE_STAMP_SUFFIX = /_\d{8}-\d{6}(-\d+)?$/;
// `<x>.err` would collide with task `<x>`'s separate stderr file `<x>.err.txt`.
const ERROR_FILE_SUFFIX = /\.err$/i;

/** Throws `InvalidTaskNameError` unless `name` is a valid task name. */
export function assertTaskName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !TASK_NAME_PATTERN.test(name) || ARCHIVE_STAMP_SUFFIX.test(name) || ERROR_FILE_SUFFIX.test(name)) {
    throw new InvalidTaskNameError(name);
  }
}
