// Shapes of alert options (as given by the user), of their normalised config, and of delivery results.
// (AlertPayload lives in payload.ts: store/records.ts imports this file, so this one must not import it.)

/**
 * When an alert is raised: a failed run, a restart loop (backoff reached its cap), a recovery after a failure, or
 * (cluster mode) a host found dead (its `name` is the host's).
 */
export type AlertKind = 'failure' | 'restart-loop' | 'recovered' | 'host-down';

/** Every {@link AlertKind}, in documentation order. */
export const ALERT_KINDS: readonly AlertKind[] = ['failure', 'restart-loop', 'recovered', 'host-down'];

/** A duration: milliseconds, or a period string like `'10 sec'` or `'5 min'`. */
export type DurationInput = number | string;

/** The `command` channel as given: a shell line (run by `sh -c`), an argv array, or an object with a timeout. */
export type CommandChannelInput = string | readonly string[] | { command: string | readonly string[]; timeout?: DurationInput };

/** The `webhook` channel as given: a URL, or an object. */
export type WebhookChannelInput = string | {
  /** `http:` or `https:` URL the payload is POSTed to as JSON. */
  url: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Retries after a failed attempt (network error, timeout, 5xx or 429). @defaultValue 3 */
  retries?: number;
  /** Timeout of each attempt. @defaultValue '10 sec' */
  timeout?: DurationInput;
};

/** The `email` channel as given (SMTP through nodemailer). */
export interface EmailChannelInput {
  /** SMTP server host name or address. */
  host: string;
  /** SMTP port. @defaultValue 465 when `secure`, else 587 */
  port?: number;
  /** Connect with TLS from the start (port 465). Otherwise STARTTLS is used if the server offers it. @defaultValue port === 465 */
  secure?: boolean;
  /** SMTP login. */
  auth?: { user: string; pass: string };
  /** TLS settings; `rejectUnauthorized: false` accepts self-signed certificates. */
  tls?: { rejectUnauthorized?: boolean };
  /** Sender address. @defaultValue 'executor-sdk@localhost' */
  from?: string;
  /** One or more recipients. */
  to: string | readonly string[];
  /** Subject; `{kind}`, `{name}` and `{executorId}` are replaced. @defaultValue '[executor-sdk] {kind}: {name}' */
  subject?: string;
  /** Connection, greeting and socket timeout. @defaultValue '30 sec' */
  timeout?: DurationInput;
}

/** One entry of `channels`: a channel object with its `type`. */
export type AlertChannelInput =
  | ({ type: 'command'; command: string | readonly string[]; timeout?: DurationInput })
  | ({ type: 'webhook' } & Exclude<WebhookChannelInput, string>)
  | ({ type: 'email' } & EmailChannelInput);

/** The object form of the `alert` option. */
export interface AlertOptionsObject {
  /** When to alert. @defaultValue ['failure'] */
  on?: AlertKind | readonly AlertKind[];
  /** Run a command with the run record as JSON on stdin. */
  command?: CommandChannelInput;
  /** POST the alert as JSON to a URL. */
  webhook?: WebhookChannelInput;
  /** Send an email with the last 50 lines of output. */
  email?: EmailChannelInput;
  /** More channels, each with its `type`. */
  channels?: readonly AlertChannelInput[];
  /** At most one alert per task in this interval (0 = no limit): ms or a period string. @defaultValue '5 min' */
  minInterval?: DurationInput;
}

/**
 * The `alert` option of the Executor and of a task: a kind, a list of kinds (channels then come from the
 * Executor), or an object with channels. `false` (on a task) turns alerts off.
 *
 * @example
 * ```ts
 * { alert: { on: ['failure', 'recovered'], webhook: 'https://hooks.example.com/x', minInterval: '10 min' } }
 * ```
 */
export type AlertOptions = AlertKind | readonly AlertKind[] | AlertOptionsObject;

/** A normalised `command` channel. */
export interface CommandAlertChannel {
  type: 'command';
  /** Argv; a shell line is `['sh', '-c', line]`. */
  command: string[];
  timeoutMs: number;
}

/** A normalised `webhook` channel. */
export interface WebhookAlertChannel {
  type: 'webhook';
  url: string;
  headers: Record<string, string>;
  /** Retries after the first attempt. */
  retries: number;
  /** Timeout of each attempt. */
  timeoutMs: number;
}

/** A normalised `email` channel. */
export interface EmailAlertChannel {
  type: 'email';
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
  tls?: { rejectUnauthorized: boolean };
  from: string;
  to: string[];
  /** Subject template (`{kind}`, `{name}`, `{executorId}` are replaced). */
  subject: string;
  timeoutMs: number;
}

/** A normalised alert channel. */
export type AlertChannel = CommandAlertChannel | WebhookAlertChannel | EmailAlertChannel;

/** The type of a channel. */
export type AlertChannelType = AlertChannel['type'];

/** Normalised alert settings (JSON-serialisable: kept in the task record). */
export interface AlertConfig {
  /** When to alert. */
  on: AlertKind[];
  /** Where to send (may be empty: the `alert` event is emitted anyway). */
  channels: AlertChannel[];
  /** At most one alert per task in this many ms (0 = no limit). */
  minIntervalMs: number;
  /**
   * Which of `on` / `minIntervalMs` the user gave; the others hold defaults and yield to the Executor's in
   * `mergeAlert`. Absent means both were given.
   */
  given?: { on: boolean; minInterval: boolean };
}

/** Outcome of one channel of one alert. */
export interface ChannelResult {
  type: AlertChannelType;
  /** Where it went, without secrets: argv[0], the URL's origin, or `host:port`. */
  target: string;
  ok: boolean;
  /** Attempts made (webhooks retry; others make one). */
  attempts: number;
  /** Why it failed, or null. */
  error: string | null;
}

/** What a channel sender resolves to (senders never reject). */
export interface ChannelOutcome {
  attempts: number;
  /** Why it failed, or null. */
  error: string | null;
}

/** What `sendAlert` needs from its caller. */
export interface AlertDeps {
  /** Writes a line to the executor log (failures only). */
  log(message: string): void;
  /** The last `n` lines of the run's output, oldest first (for email). */
  tailLines(n: number): Promise<string[]>;
}
