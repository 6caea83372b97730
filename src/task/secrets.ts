// Secret env values: kept out of the folder (the task record holds `***`), put back at each start. STUB: the env
// and secrets work of issue 16 replaces these with the real store (docs/internal/issue16-contract.md).
import type { Runtime } from '../runtime.js';
import type { TaskSpec } from '../store/records.js';

/**
 * Splits a task's definition into what may be written in the folder and the secret env values kept elsewhere.
 * @example `const { spec: stored, secrets } = separateSecrets(spec);`
 */
export function separateSecrets(spec: TaskSpec): { spec: TaskSpec; secrets: Record<string, string> } {
  return { spec, secrets: {} };
}

/**
 * Keeps a task's secret env values where its runs can read them and the folder never holds them.
 * @example `await keepSecrets(rt, 'api', { API_KEY: 'abc' })`
 */
export async function keepSecrets(_rt: Runtime, _name: string, _secrets: Record<string, string>): Promise<void> {
  // STUB
}
