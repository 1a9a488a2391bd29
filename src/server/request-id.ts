const ALPHABET = '0123456789abcdefghijklmnopqrstuv';

/**
 * Toxiproxy's request ids are xids: 12 bytes (seconds, machine, process, counter) in 20
 * characters of base32hex. These are laid out the same way, with 5 random bytes per process in
 * place of the machine and process ids. Like xids they sort by time and need to be unique, not
 * secret, so Math.random serves.
 */
const processBytes = Array.from({ length: 5 }, () => Math.floor(Math.random() * 256));
let counter = Math.floor(Math.random() * 0x1000000);

export function requestId(): string {
  const seconds = Math.floor(Date.now() / 1000);
  counter = (counter + 1) & 0xffffff;
  const bytes = [seconds >>> 24, (seconds >>> 16) & 255, (seconds >>> 8) & 255, seconds & 255, ...processBytes, counter >>> 16, (counter >>> 8) & 255, counter & 255];
  let id = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      id += ALPHABET[(value >>> bits) & 31];
    }
  }
  // 96 bits: 19 whole characters and one bit left, padded as xid pads it.
  return bits > 0 ? id + ALPHABET[(value << (5 - bits)) & 31] : id;
}
