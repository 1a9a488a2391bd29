import { routes, type Route } from '../api/routes.js';

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

/** Matches a path against the route table: a route, or 404 (no such path) or 405 (wrong method). */
export function matchRoute(method: string, path: string): RouteMatch | 404 | 405 {
  const segments = path.split('/').slice(1);
  let pathMatched = false;
  for (const route of routes) {
    const pattern = route.path.split('/').slice(1);
    if (pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < pattern.length && ok; i++) {
      const want = pattern[i] as string;
      const got = segments[i] as string;
      if (want.startsWith(':')) {
        if (got === '') ok = false;
        else {
          // Names are percent-decoded, so a proxy named "a/b" is reachable as a%2Fb
          // (Toxiproxy can create such a proxy but never address it again).
          try {
            params[want.slice(1)] = decodeURIComponent(got);
          } catch {
            ok = false;
          }
        }
      } else if (want !== got) ok = false;
    }
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method) return { route, params };
  }
  return pathMatched ? 405 : 404;
}
