import { attributeNames, isToxicType, TOXIC_TYPES } from '../api/toxic-types.js';

/**
 * The toxic definitions are zod schemas: this module is loaded with the first toxic a client
 * adds or changes (`import()` in the handles), so reading proxies never pays for zod.
 */

/**
 * The server accepts attribute names a type does not have (as Toxiproxy does) and ignores them;
 * the client refuses them before sending, since a misspelt `latancy` would silently be 0 ms.
 * Types this build does not know (a custom toxic on a Toxiproxy build) are left to the server.
 */
export function checkAttributeNames(type: string, attributes: object | undefined): void {
  if (attributes === undefined || !isToxicType(type)) return;
  const names = attributeNames(type);
  const lower = names.map((n) => n.toLowerCase());
  const unknown = Object.keys(attributes).filter((k) => !lower.includes(k.toLowerCase()));
  if (unknown.length === 0) return;
  const valid = names.length === 0 ? 'it takes no attributes' : `valid attributes: ${names.join(', ')}`;
  throw new TypeError(`${type} toxic has no attribute${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => JSON.stringify(k)).join(', ')}; ${valid}`);
}

/** Every type this build knows, built-ins then plugins, for messages. */
export function knownTypes(): readonly string[] {
  return TOXIC_TYPES;
}
