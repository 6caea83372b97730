// Public entry point of executor-sdk.
export * from './errors.js';
export { TASK_NAME_PATTERN } from './task/name.js';
