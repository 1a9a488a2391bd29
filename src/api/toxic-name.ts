/**
 * The name a toxic gets when none is given: `<type>_<stream>`, as Toxiproxy names it. The API,
 * the config file, the desired-state applier and the client all need it to agree.
 */
export function defaultToxicName(type: string, stream = 'downstream'): string {
  return `${type}_${stream}`;
}
