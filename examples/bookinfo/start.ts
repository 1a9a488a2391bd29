import { startBookinfo } from './services.js';

/**
 * Starts the three bookinfo services for trying ratings-503.yaml by hand: landing on :9000,
 * reviews on :9001, ratings on :9081, with reviews calling ratings through 127.0.0.1:9080
 * (the faultline proxy the experiment creates). `--no-fallback` makes reviews fail when
 * ratings does.
 */
const fallback = !process.argv.includes('--no-fallback');
const app = await startBookinfo({ fallback, ratingsVia: () => '127.0.0.1:9080', ports: { landing: 9000, reviews: 9001, ratings: 9081 } });
process.stdout.write(`landing ${app.landing}, reviews ${app.reviews}, ratings ${app.ratings} (via 127.0.0.1:9080); fallback ${fallback ? 'on' : 'off'}\n`);
const stop = (): void => void app.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
