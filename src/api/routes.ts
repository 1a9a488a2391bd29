/**
 * The control API's routes, Toxiproxy 2.12's exactly. Handler names are Toxiproxy's own, so logs
 * read the same. The server's router is built from this table; the client will be too.
 */
export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export type RouteName =
  | 'ProxyIndex'
  | 'ProxyCreate'
  | 'Populate'
  | 'ProxyShow'
  | 'ProxyUpdate'
  | 'ProxyDelete'
  | 'ToxicIndex'
  | 'ToxicCreate'
  | 'ToxicShow'
  | 'ToxicUpdate'
  | 'ToxicDelete'
  | 'ResetState'
  | 'Version'
  | 'ConnectionIndex'
  | 'ConnectionDelete'
  | 'Metrics'
  | 'Events'
  | 'FaultIndex'
  | 'FaultClear'
  | 'LeaseCreate'
  | 'LeaseShow'
  | 'LeaseRenew'
  | 'LeaseDelete'
  | 'ToxicTypes'
  | 'PresetIndex'
  | 'PresetApply'
  | 'PresetRemove'
  | 'RunIndex'
  | 'RunCreate'
  | 'RunUpdate';

export interface Route {
  readonly name: RouteName;
  readonly method: HttpMethod;
  /** Segments; `:proxy` and `:toxic` match one non-empty path segment. */
  readonly path: string;
}

export const routes: readonly Route[] = [
  { name: 'ProxyIndex', method: 'GET', path: '/proxies' },
  { name: 'ProxyCreate', method: 'POST', path: '/proxies' },
  { name: 'Populate', method: 'POST', path: '/populate' },
  { name: 'ProxyShow', method: 'GET', path: '/proxies/:proxy' },
  { name: 'ProxyUpdate', method: 'POST', path: '/proxies/:proxy' },
  { name: 'ProxyUpdate', method: 'PATCH', path: '/proxies/:proxy' },
  { name: 'ProxyDelete', method: 'DELETE', path: '/proxies/:proxy' },
  { name: 'ToxicIndex', method: 'GET', path: '/proxies/:proxy/toxics' },
  { name: 'ToxicCreate', method: 'POST', path: '/proxies/:proxy/toxics' },
  { name: 'ToxicShow', method: 'GET', path: '/proxies/:proxy/toxics/:toxic' },
  { name: 'ToxicUpdate', method: 'POST', path: '/proxies/:proxy/toxics/:toxic' },
  { name: 'ToxicUpdate', method: 'PATCH', path: '/proxies/:proxy/toxics/:toxic' },
  { name: 'ToxicDelete', method: 'DELETE', path: '/proxies/:proxy/toxics/:toxic' },
  { name: 'ResetState', method: 'POST', path: '/reset' },
  { name: 'Version', method: 'GET', path: '/version' },
  // faultline's additions, beside Toxiproxy's API and never changing it.
  { name: 'ConnectionIndex', method: 'GET', path: '/proxies/:proxy/connections' },
  { name: 'ConnectionDelete', method: 'DELETE', path: '/proxies/:proxy/connections/:connection' },
  { name: 'Metrics', method: 'GET', path: '/metrics' },
  { name: 'Events', method: 'GET', path: '/events' },
  { name: 'FaultIndex', method: 'GET', path: '/proxies/:proxy/faults' },
  { name: 'FaultClear', method: 'DELETE', path: '/proxies/:proxy/faults' },
  { name: 'LeaseCreate', method: 'POST', path: '/leases' },
  { name: 'LeaseShow', method: 'GET', path: '/leases/:lease' },
  { name: 'LeaseRenew', method: 'POST', path: '/leases/:lease/renew' },
  { name: 'LeaseDelete', method: 'DELETE', path: '/leases/:lease' },
  { name: 'ToxicTypes', method: 'GET', path: '/toxic-types' },
  { name: 'PresetIndex', method: 'GET', path: '/presets' },
  { name: 'PresetApply', method: 'POST', path: '/proxies/:proxy/presets/:preset' },
  { name: 'PresetRemove', method: 'DELETE', path: '/proxies/:proxy/presets/:preset' },
  { name: 'RunIndex', method: 'GET', path: '/runs' },
  { name: 'RunCreate', method: 'POST', path: '/runs' },
  { name: 'RunUpdate', method: 'PATCH', path: '/runs/:run' },
];

const seg = encodeURIComponent;

/** The paths a client calls, built in one place. Names are percent-encoded. */
export const paths = {
  proxies: () => '/proxies',
  populate: () => '/populate',
  proxy: (proxy: string) => `/proxies/${seg(proxy)}`,
  toxics: (proxy: string) => `/proxies/${seg(proxy)}/toxics`,
  toxic: (proxy: string, toxic: string) => `/proxies/${seg(proxy)}/toxics/${seg(toxic)}`,
  reset: () => '/reset',
  version: () => '/version',
  toxicTypes: () => '/toxic-types',
  connections: (proxy: string) => `/proxies/${seg(proxy)}/connections`,
  connection: (proxy: string, id: number) => `/proxies/${seg(proxy)}/connections/${id}`,
  metrics: () => '/metrics',
  events: () => '/events',
  faults: (proxy: string) => `/proxies/${seg(proxy)}/faults`,
  leases: () => '/leases',
  lease: (id: string) => `/leases/${seg(id)}`,
  leaseRenew: (id: string) => `/leases/${seg(id)}/renew`,
  presets: () => '/presets',
  preset: (proxy: string, preset: string) => `/proxies/${seg(proxy)}/presets/${seg(preset)}`,
  runs: () => '/runs',
  run: (id: string) => `/runs/${seg(id)}`,
} as const;
