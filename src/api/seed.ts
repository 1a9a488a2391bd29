/**
 * Reads a seed as toxiproxy-server's `-seed` takes it (a 64-bit integer) and folds it to the 32
 * bits the server's generator uses. Here rather than in the data plane because both the CLI's
 * `--seed` and the server's options read it.
 */
export function parseSeed(text: string): number {
  if (!/^-?\d+$/.test(text)) throw new Error(`invalid seed ${JSON.stringify(text)}: expected an integer`);
  const big = BigInt.asUintN(64, BigInt(text));
  return Number((big ^ (big >> 32n)) & 0xffffffffn);
}
