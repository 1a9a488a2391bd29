import { UserError } from './user-error.js';

/**
 * The `${VAR}` values an experiment or matrix file is read with: the environment, then each
 * `--var NAME=VALUE` over it.
 */
export function fileVars(list: readonly string[] = []): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...process.env };
  for (const pair of list) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UserError(`--var takes NAME=VALUE, got "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
