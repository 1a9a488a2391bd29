import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/** A 20-character id in the alphabet and length of Toxiproxy's xid request ids. */
export function requestId(): string {
  const bytes = randomBytes(20);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte & 31];
  return id;
}
