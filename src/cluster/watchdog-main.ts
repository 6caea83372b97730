// Entry of a host's watchdog process (see watchdog.ts): `node watchdog-main.js`, its config as the first stdin line.
import { createInterface } from 'node:readline';
import { Watch, type WatchdogConfig } from './watchdog.js';

let watch: Watch | null = null;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (watch === null) {
    watch = new Watch(JSON.parse(line) as WatchdogConfig);
    // Once done, nothing is left pending: stdin let go, the process ends by itself.
    void watch.done.catch(() => undefined).finally(() => { lines.close(); process.stdin.destroy(); });
  } else watch.line(line.trim());
});
lines.on('close', () => watch?.end());
process.on('SIGHUP', () => undefined); // a closing terminal does not end it
