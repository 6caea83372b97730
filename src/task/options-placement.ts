// addTask's placement options (cluster mode): which hosts may run the task (`hosts`) and which labels a host must
// have (`labels`). Checked for shape here; in a folder they are kept and have no effect.
import { InvalidOptionError } from '../errors.js';
import { checkLabels, type HostLabels } from '../cluster/options.js';
import type { TaskSpec } from '../store/records.js';

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Longest host name in `hosts`. */
export const MAX_HOST_NAME = 255;

/** The placement options of `addTask`. */
export interface PlacementOptions {
  /**
   * Cluster mode: the hosts allowed to run this task (by name). A dead host's task goes to the least-loaded allowed
   * live host; with none alive, it waits (`waiting: no live host matches`).
   * @defaultValue any host
   * @example `await ex.addTask('bot', 'bot.js', { hosts: ['a', 'b'] })`
   */
  hosts?: string[];
  /**
   * Cluster mode: labels a host must have to run this task (each equal to the host's `labels` value).
   * @defaultValue none
   * @example `await ex.addTask('train', 'train.py', { labels: { gpu: true } })`
   */
  labels?: HostLabels;
}

/**
 * Checks `hosts` and `labels`; returns the fields to store (absent when not given).
 * @throws InvalidOptionError naming the option, what was expected and what was got.
 */
export function checkPlacementOptions(o: Record<string, unknown>): Pick<TaskSpec, 'hosts' | 'labels'> {
  const out: Pick<TaskSpec, 'hosts' | 'labels'> = {};
  if (o.hosts !== undefined && o.hosts !== null) {
    if (!Array.isArray(o.hosts) || o.hosts.length === 0) throw new InvalidOptionError('hosts', 'a non-empty array of host names', o.hosts);
    o.hosts.forEach((host: unknown, i) => {
      if (typeof host !== 'string' || !HOST_NAME.test(host) || host.length > MAX_HOST_NAME) {
        throw new InvalidOptionError(`hosts[${i}]`, 'a host name of letters, digits, ".", "_" and "-"', host);
      }
    });
    out.hosts = [...new Set(o.hosts as string[])];
  }
  if (o.labels !== undefined && o.labels !== null) out.labels = checkLabels(o.labels, 'labels');
  return out;
}
