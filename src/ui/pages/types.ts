// Shapes the page renderers take (data in, HTML out): the same JSON the dashboard's API answers.
import type { Decision, DecisionKind } from '../decisions.js';
import type { OutputInfo } from '../../output/files.js';
import type { RunRecord } from '../../store/records.js';
import type { SupervisorInfo } from '../../supervisor/presence.js';
import type { TaskRow } from '../../task/rows.js';

/** What every page renderer is told besides its data. */
export interface PageContext {
  /** True in `--read-only` mode: no control is rendered. */
  readOnly: boolean;
  /** The time the page is rendered at (ms since the epoch): uptimes and "in 4m" are relative to it. */
  now: number;
  /** The folder's live supervisor, or null (then the no-supervisor banner shows). */
  supervisor: SupervisorInfo | null;
}

export type { TaskDetail, UpcomingItem } from '../types.js';

/** A run page's output: a script run's lines, or each step's (last 200 lines each). */
export type RunOutputs = { lines: string[] } | { steps: Record<string, string[]> };

/** An output page's data. */
export interface OutputPage {
  name: string;
  lines: string[];
  archives: OutputInfo[];
  /** The archive shown (file name or number, as in the URL), or null for the current output. */
  run: string | null;
  /** Where `lines` end in the followed file (src/ui/snapshot.ts), so the live stream starts there; null: follow from now. */
  mark?: string | null;
  /** Follow the output live: the current stdout only (not an archive, `stream=stderr` or a chosen `step`). @defaultValue run === null */
  follow?: boolean;
}

export type { Decision, DecisionKind, OutputInfo, RunRecord, SupervisorInfo, TaskRow };
