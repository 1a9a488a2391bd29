export const DEFAULT_URL = 'http://127.0.0.1:8474';

/**
 * The server URL the environment names: FAULTLINE_URL, else TOXIPROXY_URL, where the runtime has
 * an environment at all. An empty variable (`FAULTLINE_URL=` in a CI file) means "not set", so
 * the next one, or the default, applies. The client, the CLI and the test fixture all read it here.
 */
export function serverUrlFromEnvironment(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.FAULTLINE_URL || env?.TOXIPROXY_URL || undefined;
}

/** The API token the environment gives (FAULTLINE_API_TOKEN), sent by the client and the CLI. */
export function apiTokenFromEnvironment(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.FAULTLINE_API_TOKEN || undefined;
}
