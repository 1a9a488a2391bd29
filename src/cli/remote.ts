import type { Command } from 'commander';
import { FAULTLINE_VERSION } from '../api/version.js';
import { DEFAULT_URL, serverUrlFromEnvironment } from '../client/environment.js';
import { Faultline } from '../client/faultline.js';
import { nodeSend } from '../client/node-send.js';

export { apiTokenOption, hostOption, jsonOption } from './options.js';

interface RemoteFlags {
  host?: string;
  json?: boolean;
  apiToken?: string;
}

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

export function remote(command: Command): Remote {
  const token = flag(command, 'apiToken');
  const client = new Faultline(serverUrl(command), { userAgent: `faultline-cli/${FAULTLINE_VERSION}`, send: nodeSend, ...(token === undefined ? {} : { token }) });
  return { client, json: flag(command, 'json') === true };
}
