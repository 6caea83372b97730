// The cluster's secrets key and what it encrypts. Every host and client of a cluster is given the same key in
// `EXECUTOR_SECRETS_KEY`: 32 bytes written as 64 hex digits or in base64, used as they are; any other text is a
// passphrase, stretched to 32 bytes with scrypt (N = 2^15, r = 8, p = 1, a fixed salt: the same passphrase gives the
// same key everywhere). Values are sealed with AES-256-GCM (a random 12-byte IV per row, the row's task and generation
// as additional data, so a body copied onto another row does not open); a body carries the key's id (a hash of the
// key, never the key), so a wrong key is told apart from a damaged body. Choices: docs/decisions.md.
import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';

import { SECRETS_KEY_ENV } from './secrets-env.js';

export { SECRETS_KEY_ENV } from './secrets-env.js';
/** Bytes of an AES-256 key. */
const KEY_BYTES = 32;
/** Bytes of a GCM IV. */
const IV_BYTES = 12;
/** Hex digits of a key id. */
const KEY_ID_DIGITS = 16;
/** scrypt's salt for a passphrase: fixed, so every host derives the same key from the same passphrase. */
const PASSPHRASE_SALT = 'executor-sdk/secrets-key/v1';
/** scrypt's cost for a passphrase (~100 ms once per process). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
/** Format version of a sealed body. */
const BODY_VERSION = 1;

/** A secrets key ready for use. */
export interface SecretsKey {
  /** The 32 bytes. */
  readonly bytes: Buffer;
  /** Its id: 16 hex digits of sha256 over a label and the key (safe to show and to store). */
  readonly id: string;
  /** How it was given. */
  readonly kind: 'hex' | 'base64' | 'passphrase';
}

const derived = new Map<string, SecretsKey>();

function keyOf(bytes: Buffer, kind: SecretsKey['kind']): SecretsKey {
  const id = createHash('sha256').update('executor-sdk secrets key id\0').update(bytes).digest('hex').slice(0, KEY_ID_DIGITS);
  return { bytes, id, kind };
}

/**
 * The key written in `text`: 64 hex digits, or base64 of exactly 32 bytes, else a passphrase stretched with scrypt
 * (cached: derived once per process).
 * @example `parseSecretsKey(randomBytes(32).toString('base64')).id // '3f9c0a1b2c3d4e5f'`
 */
export function parseSecretsKey(text: string): SecretsKey {
  const given = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(given)) return keyOf(Buffer.from(given, 'hex'), 'hex');
  if (/^[A-Za-z0-9+/_-]{42,43}={0,2}$/.test(given)) {
    const bytes = Buffer.from(given.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES) return keyOf(bytes, 'base64');
  }
  let key = derived.get(text);
  if (key === undefined) {
    key = keyOf(scryptSync(text, PASSPHRASE_SALT, KEY_BYTES, SCRYPT), 'passphrase');
    derived.set(text, key);
  }
  return key;
}

/**
 * This process's secrets key, from `EXECUTOR_SECRETS_KEY` (read at each call), or null when it is unset or empty.
 * @example `const key = secretsKey(); if (key === null) keepLocally();`
 */
export function secretsKey(env: NodeJS.ProcessEnv = process.env): SecretsKey | null {
  const text = env[SECRETS_KEY_ENV];
  return text === undefined || text.trim() === '' ? null : parseSecretsKey(text);
}

/** A sealed body as stored in the `secrets` table (JSON text; no value in clear). */
interface Body {
  v: number;
  alg: 'aes-256-gcm';
  /** The key's id. */
  kid: string;
  iv: string;
  tag: string;
  data: string;
}

/** What opening a body gave. */
export type Opened =
  | { state: 'open'; value: unknown }
  | { state: 'wrong-key'; keptKeyId: string }
  | { state: 'damaged'; problem: string };

const aadOf = (task: string, gen: string): Buffer => Buffer.from(`executor-sdk secrets\0${task}\0${gen}`);

/**
 * Seals `value` (any JSON) for row (`task`, `gen`) under `key`: the body to store.
 * @example `const body = sealSecrets(key, 'api', gen, { env: { API_KEY: 'abc' }, steps: {} })`
 */
export function sealSecrets(key: SecretsKey, task: string, gen: string, value: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.bytes, iv);
  cipher.setAAD(aadOf(task, gen));
  const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  const body: Body = { v: BODY_VERSION, alg: 'aes-256-gcm', kid: key.id, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  return JSON.stringify(body);
}

function parseBody(text: string): Body | null {
  try {
    const body = JSON.parse(text) as Partial<Body>;
    const strings = [body.kid, body.iv, body.tag, body.data].every((s) => typeof s === 'string');
    return body.v === BODY_VERSION && body.alg === 'aes-256-gcm' && strings ? body as Body : null;
  } catch {
    return null;
  }
}

/**
 * The key id a body was sealed under, or null when it is not a body this code knows.
 * @example `keyIdOf(row.body) // '3f9c0a1b2c3d4e5f'`
 */
export function keyIdOf(text: string): string | null {
  return parseBody(text)?.kid ?? null;
}

/**
 * Opens a body of row (`task`, `gen`) with `key`: its value, or why not (sealed under another key; damaged).
 * @example `const opened = openSecrets(key, 'api', gen, row.body); if (opened.state === 'open') use(opened.value);`
 */
export function openSecrets(key: SecretsKey, task: string, gen: string, text: string): Opened {
  const body = parseBody(text);
  if (body === null) return { state: 'damaged', problem: 'a body that is not a sealed value of this version' };
  if (body.kid !== key.id) return { state: 'wrong-key', keptKeyId: body.kid };
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(body.iv, 'base64'));
    decipher.setAAD(aadOf(task, gen));
    decipher.setAuthTag(Buffer.from(body.tag, 'base64'));
    const clear = Buffer.concat([decipher.update(Buffer.from(body.data, 'base64')), decipher.final()]).toString('utf8');
    return { state: 'open', value: JSON.parse(clear) as unknown };
  } catch {
    return { state: 'damaged', problem: 'a body that does not authenticate under this key (altered, or moved from another row)' };
  }
}
