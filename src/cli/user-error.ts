/** A mistake in what the user asked for: printed as one line, exit code 1, no stack. */
export class UserError extends Error {
  override name = 'UserError';
}
