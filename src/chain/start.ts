// One chain target, under the downstream task's lock: start (or queue) its run once, unless the link is gone, the task
// is disabled, or the chain is deeper than its maxChainDepth.
import type { ChainIntent, EventFile } from '../event/pending.js';
import type { Runtime } from '../runtime.js';
import type { Mutation } from '../store/store.js';
import type { TaskRecord } from '../store/records.js';
import { launchOrQueue, type StepContext } from '../supervisor/steps.js';
import { DEFAULT_MAX_CHAIN_DEPTH } from '../task/options-deps.js';
import { firingLinks } from './links.js';
import { shareUpstreamNote, UPSTREAM_EXIT_ENV, UPSTREAM_RUN_ENV, writeUpstreamNote } from './note.js';

export { UPSTREAM_EXIT_ENV, UPSTREAM_RUN_ENV };

/** The env a chain run adds to its task's. */
export function upstreamEnv(chain: ChainIntent): Record<string, string> {
  const { runId, exitCode } = chain.upstream;
  return { [UPSTREAM_RUN_ENV]: runId, [UPSTREAM_EXIT_ENV]: exitCode === null ? '' : String(exitCode) };
}

// Why a chain run is not started, or null when it may be (the record is the downstream task's, fresh).
function refusal(record: TaskRecord, chain: ChainIntent): { why: string; warn: boolean } | null {
  const { upstream, outcome } = chain;
  if (firingLinks(record.task.after, upstream.task, outcome).length === 0) return { why: `${record.task.name} no longer chains after ${upstream.task} on ${outcome}`, warn: false };
  if (!record.state.enabled) return { why: `${record.task.name} is disabled`, warn: false };
  const max = record.task.maxChainDepth ?? DEFAULT_MAX_CHAIN_DEPTH;
  if (upstream.depth > max) return { why: `the chain would be ${upstream.depth} runs deep, over ${record.task.name}'s maxChainDepth (${max})`, warn: true };
  return null;
}

/**
 * The locked step of chain target `target` of `event` (a chain file), given the downstream record already marked as
 * having handled it (`handledEvents`): its run started or queued (trigger `chain`, the upstream's data, `EXECUTOR_UPSTREAM_*`), or refused (logged,
 * a warning when over maxChainDepth). `ctx` collects the launch. Resolves with whether a run was started or queued.
 */
export async function chainStep(rt: Runtime, marked: TaskRecord, event: EventFile, target: { task: string; runId: string }, ctx: StepContext): Promise<Mutation<boolean>> {
  const chain = event.chain!;
  const { upstream } = chain;
  const what = `Chain ${upstream.task} (run ${upstream.runId}, ${chain.outcome}) → ${target.task}`;
  const no = refusal(marked, chain);
  if (no) {
    ctx.deferred.push(() => (no.warn ? rt.warn(`${what}: not started: ${no.why}`, target.task, 'ERR_CHAIN_DEPTH') : rt.log(`${what}: no run: ${no.why}`)));
    return { record: marked, result: false };
  }
  await writeUpstreamNote(rt.folder, target.task, target.runId, upstream);
  const req = { trigger: 'chain' as const, scheduledFor: null, runId: target.runId, data: event.payload, env: upstreamEnv(chain), oneOff: true };
  const [next, kind] = await launchOrQueue(rt, marked, req, ctx);
  // Cluster mode: a queued chain run may start on another host, which takes its upstream from the database.
  if (kind === 'queued') await shareUpstreamNote(rt, target.task, target.runId, upstream);
  ctx.deferred.push(() => rt.log(`${what}: run ${target.runId}${kind === 'queued' ? ' (queued)' : ''}`));
  // The ledger record names its upstream from the start (a queued run's gets it at its close, from the note).
  const sideWrites = ctx.launches.map((l) => l.ledgerWrite.then(() => rt.store.updateRun(target.task, l.run.runId, { upstream })));
  return { record: next, result: kind !== 'gave-up', sideWrites };
}
