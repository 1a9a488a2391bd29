/**
 * What nearly every run of the `faultline` command loads at start: the server (for `server`),
 * the client and the helpers the command modules share (for every other command).
 * scripts/build-bin.ts injects this file into every module it bundles, so these modules reach
 * the bundle's every entry and esbuild puts them in one chunk, rather than the dozen it makes of
 * them by which lazily loaded parts share them: a server starts from 4 files and `list` from 3,
 * where it took 17 and 14 (each costs Node a resolve, a read and a compile, and the dynamic
 * ones an event-loop turn; docs/performance.md). Nothing imports it otherwise.
 */
import './cli/options.js';
import './cli/output.js';
import './cli/remote.js';
import './cli/user-error.js';
import './client/faultline.js';
import './client/node-send.js';
import './server/index.js';
import './cli/server-logger.js';
