import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Istio's Bookinfo, reduced to three tiny Node services: a landing page that calls `reviews`,
 * which calls `ratings`. `reviews` reaches `ratings` through whatever address it is given —
 * a faultline proxy in the experiments.
 */
export interface Bookinfo {
  landing: string;
  reviews: string;
  ratings: string;
  close(): Promise<void>;
}

export interface BookinfoOptions {
  /** host:port where reviews finds ratings (the faultline proxy). */
  ratingsVia: (ratingsPort: number) => Promise<string> | string;
  /** Reviews without ratings rather than an error when ratings fails. */
  fallback: boolean;
  /** Ports to listen on; 0 (the default) picks free ones. */
  ports?: { landing?: number; reviews?: number; ratings?: number };
}

interface Reply {
  status: number;
  body: string;
}

/** GET with a time limit; a refused connection or a timeout is a rejection. */
function get(url: string, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function listen(server: Server, port: number): Promise<number> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

export async function startBookinfo(options: BookinfoOptions): Promise<Bookinfo> {
  const ratings = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ stars: 4 }));
  });
  const ratingsPort = await listen(ratings, options.ports?.ratings ?? 0);
  const ratingsVia = await options.ratingsVia(ratingsPort);

  const reviews = createServer((_req, res) => {
    get(`http://${ratingsVia}/ratings/1`, 1000)
      .then((r) => {
        if (r.status !== 200) throw new Error(`ratings answered ${r.status}`);
        return JSON.parse(r.body) as { stars: number };
      })
      .then(
        (rating) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ reviews: ['An extremely entertaining play'], stars: rating.stars }));
        },
        (err: Error) => {
          if (options.fallback) {
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ reviews: ['An extremely entertaining play'], stars: null }));
          } else {
            res.writeHead(503, { 'content-type': 'text/plain' });
            res.end(`ratings unavailable: ${err.message}`);
          }
        },
      );
  });
  const reviewsPort = await listen(reviews, options.ports?.reviews ?? 0);

  const landing = createServer((_req, res) => {
    get(`http://127.0.0.1:${reviewsPort}/reviews/1`, 2000)
      .then((r) => {
        if (r.status !== 200) throw new Error(`reviews answered ${r.status}`);
        const body = JSON.parse(r.body) as { reviews: string[]; stars: number | null };
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<h1>The Comedy of Errors</h1><p>${body.reviews[0]}</p><p>${body.stars === null ? 'Ratings are unavailable right now' : `${body.stars} stars`}</p>`);
      })
      .catch((err: Error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`reviews unavailable: ${err.message}`);
      });
  });
  const landingPort = await listen(landing, options.ports?.landing ?? 0);

  const close = (s: Server): Promise<void> =>
    new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  return {
    landing: `http://127.0.0.1:${landingPort}`,
    reviews: `http://127.0.0.1:${reviewsPort}`,
    ratings: `127.0.0.1:${ratingsPort}`,
    close: async () => {
      await Promise.all([close(landing), close(reviews), close(ratings)]);
    },
  };
}
