import { Option, type Command } from 'commander';
import { FAULTLINE_VERSION } from '../api/version.js';
import { DEFAULT_URL, serverUrlFromEnvironment } from '../client/environment.js';
import type { Faultline } from '../client/faultline.js';

const HOST_HELP = 'server URL (default: $FAULTLINE_URL, else $TOXIPROXY_URL, else http://127.0.0.1:8474)';
const JSON_HELP = "print the server's JSON instead of text";

interface RemoteFlags {
  host?: string;
  json?: boolean;
  apiToken?: string;
}

/**
 * Every management command takes these, and so does the program, so both toxiproxy-cli's
 * `faultline --host URL list` and `faultline list --host URL` work. The program uses positional
 * options, which keeps `server --host` (the address to bind) the server's own.
 */
export const hostOption = (): Option => new Option('--host <url>', HOST_HELP);
export const jsonOption = (): Option => new Option('--json', JSON_HELP);
/** The server's API token; the client reads FAULTLINE_API_TOKEN itself when this is not given. */
export const apiTokenOption = (): Option => new Option('--api-token <token>', "the server's API token (default: $FAULTLINE_API_TOKEN)");

/** The innermost setting wins: the command's own flag, then the program's. */
function flag<K extends keyof RemoteFlags>(command: Command, key: K): RemoteFlags[K] {
  for (let c: Command | null = command; c !== null; c = c.parent) {
    const value = c.opts<RemoteFlags>()[key];
    if (value !== undefined) return value;
  }
  return undefined;
}

export function serverUrl(command: Command): string {
  return flag(command, 'host') ?? serverUrlFromEnvironment() ?? DEFAULT_URL;
}

export interface Remote {
  client: Faultline;
  /** `--json` was given: print the server's JSON and nothing else. */
  json: boolean;
}

/**
 * The client is loaded here rather than at the top, so that every command's declaration, which
 * imports this module for its options, costs nothing until a command talks to a server.
 */
export async function remote(command: Command): Promise<Remote> {
  const [{ Faultline }, { nodeSend }] = await Promise.all([import('../client/faultline.js'), import('../client/node-send.js')]);
  const token = flag(command, 'apiToken');
  const client = new Faultline(serverUrl(command), { userAgent: `faultline-cli/${FAULTLINE_VERSION}`, send: nodeSend, ...(token === undefined ? {} : { token }) });
  return { client, json: flag(command, 'json') === true };
}
