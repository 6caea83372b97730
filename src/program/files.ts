// Where a program run's files live: `runs/<task>/<runId>/` holds its input, checkpoints, step outputs and exit statuses.
import { join } from 'node:path';
import { FOLDER_LAYOUT } from '../store/layout.js';

/** Name of the run input file (`EXECUTOR_RUN_FILE`) in a run's folder. */
export const RUN_INPUT_FILE = 'input.json';
/** Suffix of a step's checkpoint file (`EXECUTOR_STATE_FILE`). */
export const STATE_FILE_SUFFIX = '.state.json';
/** Suffix of a step's output file. */
export const STEP_OUTPUT_SUFFIX = '.txt';
/** Suffix of a step's separate stderr file. */
export const STEP_ERROR_SUFFIX = '.err.txt';
/** Suffix of a step attempt's exit-status file. */
export const STEP_STATUS_SUFFIX = '.exit';

/** A run's folder, relative to the Executor folder. */
export function runDirOf(task: string, runId: string): string {
  return join(FOLDER_LAYOUT.runs, task, runId);
}

/** The run input file, relative to the Executor folder. */
export function inputFileOf(task: string, runId: string): string {
  return join(runDirOf(task, runId), RUN_INPUT_FILE);
}

/** A step's checkpoint file, relative to the Executor folder. */
export function stateFileOf(task: string, runId: string, step: string): string {
  return join(runDirOf(task, runId), `${step}${STATE_FILE_SUFFIX}`);
}

/** A step's output files (stdout, and stderr when separate), relative to the Executor folder. */
export function stepOutputOf(task: string, runId: string, step: string, separate: boolean): { outputFile: string; errorFile: string | null } {
  const dir = runDirOf(task, runId);
  return { outputFile: join(dir, `${step}${STEP_OUTPUT_SUFFIX}`), errorFile: separate ? join(dir, `${step}${STEP_ERROR_SUFFIX}`) : null };
}

/** The exit-status file of one attempt of a step, relative to the Executor folder. */
export function stepStatusOf(task: string, runId: string, step: string, attempt: number): string {
  return join(runDirOf(task, runId), `${step}.${attempt}${STEP_STATUS_SUFFIX}`);
}
