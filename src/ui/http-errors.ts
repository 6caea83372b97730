// How a failed dashboard call answers: the SDK error's `code` and message, with the HTTP status that fits it.
import { ExecutorError } from '../errors.js';

/** Codes only the dashboard's HTTP answers carry (the SDK never throws them). */
export type HttpOnlyCode = 'ERR_UNAUTHORIZED' | 'ERR_FORBIDDEN_HOST' | 'ERR_CSRF' | 'ERR_READ_ONLY_DASHBOARD' | 'ERR_NOT_FOUND' | 'ERR_INTERNAL';

/** The JSON body of every failed API call. */
export interface ErrorBody { error: { code: string; message: string } }

/** A refusal decided by the server itself (auth, Host, read-only, routing), with its status. */
export class HttpRefusal extends Error {
  readonly status: 401 | 403 | 404;
  readonly code: HttpOnlyCode;
  constructor(status: 401 | 403 | 404, code: HttpOnlyCode, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const NOT_FOUND = new Set(['ERR_TASK_NOT_FOUND', 'ERR_RUN_NOT_FOUND', 'ERR_OUTPUT_NOT_FOUND', 'ERR_FOLDER_NOT_FOUND']);
// The request is fine but the state of the folder or of this machine stands in its way.
const CONFLICT = new Set(['ERR_LOCK', 'ERR_LEASE_HELD', 'ERR_CORRUPT_RECORD', 'ERR_CONFLICTING_OPTIONS', 'ERR_ID_MISMATCH', 'ERR_SPAWN', 'ERR_INTERPRETER_MISSING', 'ERR_WAIT_TIMEOUT']);
// The folder's disk failed us: not the caller's doing.
const SERVER_SIDE = new Set(['ERR_NO_SPACE', 'ERR_READ_ONLY', 'ERR_FOLDER']);

/**
 * The status and body for an error thrown while answering: 404 unknown task/run/output, 409 conflicts, 400 bad
 * input, 500 for a failing disk (full, read-only, unusable folder) and for anything that is not an ExecutorError.
 * @example `httpError(new TaskNotFoundError('web')) // { status: 404, body: { error: { code: 'ERR_TASK_NOT_FOUND', … } } }`
 */
export function httpError(error: unknown): { status: 400 | 401 | 403 | 404 | 409 | 500; body: ErrorBody } {
  if (error instanceof HttpRefusal) return { status: error.status, body: { error: { code: error.code, message: error.message } } };
  if (error instanceof ExecutorError) {
    const status = NOT_FOUND.has(error.code) ? 404 : CONFLICT.has(error.code) ? 409 : SERVER_SIDE.has(error.code) ? 500 : 400;
    return { status, body: { error: { code: error.code, message: error.message } } };
  }
  return { status: 500, body: { error: { code: 'ERR_INTERNAL', message: (error as Error)?.message ?? String(error) } } };
}
