// The name of the env variable that holds the cluster's secrets key (secrets-key.ts), alone in its module so the
// package's exported declarations name no Node type through it.

/**
 * Env variable holding the cluster's secrets key (hex or base64 of 32 bytes, or a passphrase).
 * @example `process.env[SECRETS_KEY_ENV] = 'correct horse battery staple'`
 */
export const SECRETS_KEY_ENV = 'EXECUTOR_SECRETS_KEY';
