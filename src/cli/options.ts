import { Option } from 'commander';

const HOST_HELP = 'server URL (default: $FAULTLINE_URL, else $TOXIPROXY_URL, else http://127.0.0.1:8474)';
const JSON_HELP = "print the server's JSON instead of text";

/**
 * Every management command takes these, and so does the program, so both toxiproxy-cli's
 * `faultline --host URL list` and `faultline list --host URL` work. The program uses positional
 * options, which keeps `server --host` (the address to bind) the server's own. Apart from
 * remote.ts, which loads the client: declaring the program's options must not.
 */
export const hostOption = (): Option => new Option('--host <url>', HOST_HELP);
export const jsonOption = (): Option => new Option('--json', JSON_HELP);
/** The server's API token; the client reads FAULTLINE_API_TOKEN itself when this is not given. */
export const apiTokenOption = (): Option => new Option('--api-token <token>', "the server's API token (default: $FAULTLINE_API_TOKEN)");
