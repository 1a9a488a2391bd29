import type { Context } from './context.js';
import { startNginx, stopNginx } from './nginx.js';
import { startHelper } from './node.js';

export interface HttpUpstream {
  port: number;
  stop(): Promise<void>;
}

/**
 * The HTTP server the HTTP scenarios load: nginx when it is installed, else our Node HTTP
 * server, with a note saying so (`why` adds what that fallback means for the scenario).
 */
export async function startHttpUpstream(ctx: Context, scenario: string, why = ''): Promise<HttpUpstream> {
  if (ctx.tools.nginx !== null) {
    const nginx = await startNginx(ctx.tools.nginx);
    return { port: nginx.port, stop: () => stopNginx(nginx) };
  }
  ctx.notes.push(`${scenario}: nginx missing, used our Node HTTP server as the upstream${why}`);
  const server = startHelper('servers/http.js');
  const { port } = await server.next<{ port: number }>(10_000);
  return { port, stop: () => server.stop() };
}
