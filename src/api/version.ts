/**
 * What `GET /version` reports: the Toxiproxy API level faultline implements. Clients branch on
 * it (the Ruby client uses PATCH only from 2.6.0 on), so it names the Toxiproxy release whose
 * behaviour we match, not faultline's own version, which goes in a response header.
 */
export const TOXIPROXY_API_VERSION = '2.12.0';
export const FAULTLINE_VERSION = '0.1.0';
