// Cluster mode: a task (or a program run) taken over from a dead host, told once the record is written.
import type { Runtime } from '../runtime.js';
import type { StepContext } from './steps.js';

/**
 * Logs and emits `takeover` `{ name, fromHost, toHost }` (this host) once the pass's record is written.
 * @example `announceTakeover(rt, ctx, 'etl', 'host-a')`
 */
export function announceTakeover(rt: Runtime, ctx: StepContext, name: string, fromHost: string): void {
  const toHost = rt.host!;
  ctx.deferred.push(() => {
    rt.log(`Took ${name} over from host ${fromHost} (down) on host ${toHost}`);
    rt.emitter.emit('takeover', { name, fromHost, toHost });
  });
}
