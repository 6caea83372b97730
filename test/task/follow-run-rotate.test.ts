// followRun across maxOutputBytes rotations (a fresh file at the same path): every line, in order, once.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useExecutors } from '../helpers/executor.js';
import { T } from '../helpers/time.js';

const MANY = path.join(fileURLToPath(new URL('../fixtures/cli/edge/', import.meta.url)), 'many-lines.js');
const LINES = 300;
const FOLLOW_DEADLINE_MS = 20_000;
const kit = useExecutors();

describe('followRun and rotation', () => {
  it.each([
    ['polled often', 10],
    ['polled rarely (several rotations between two reads)', 250],
  ])('yields every line of a run whose output rotated several times while it was followed, %s', async (_what, pollMs) => {
    const { ex } = kit.make();
    await ex.addTask('big', MANY, { infiniteLoop: false, maxOutputBytes: 4096, header: false, env: { LINES: String(LINES) } });
    const runId = await ex.runTask('big');
    const seen: string[] = [];
    const follow = (async () => { for await (const line of ex.followRun(runId, { pollMs })) seen.push(line); })();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`followRun did not end (${seen.length} lines)`)), T(FOLLOW_DEADLINE_MS)); });
    await Promise.race([follow, late]).finally(() => clearTimeout(timer));
    expect(seen.map((l) => l.slice(0, 9))).toEqual(Array.from({ length: LINES }, (_, i) => `line ${String(i).padStart(4, '0')}`));
    expect((await ex.listOutputs('big')).length).toBeGreaterThan(1); // it did rotate
  });
});
