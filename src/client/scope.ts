/**
 * Runs `body` with a resource and always disposes of it, even when `body` throws. When both
 * fail, the body's error is the one thrown and the clean-up's is attached as `suppressed`, so
 * a test shows its own failure first.
 */
export async function using<R extends AsyncDisposable, T>(resource: R, body: (resource: R) => Promise<T> | T): Promise<T> {
  let result: T;
  try {
    result = await body(resource);
  } catch (err) {
    try {
      await resource[Symbol.asyncDispose]();
    } catch (cleanupError) {
      if (err !== null && typeof err === 'object') Object.assign(err, { suppressed: cleanupError });
    }
    throw err;
  }
  await resource[Symbol.asyncDispose]();
  return result;
}

/**
 * Undoes several changes in reverse order. Every undo is attempted even when one fails; the
 * first failure is thrown afterwards, with the others attached as `suppressed`.
 */
export function restoreAll(undos: readonly AsyncDisposable[]): AsyncDisposable {
  return {
    async [Symbol.asyncDispose]() {
      const errors: unknown[] = [];
      for (const undo of [...undos].reverse()) {
        try {
          await undo[Symbol.asyncDispose]();
        } catch (err) {
          errors.push(err);
        }
      }
      if (errors.length > 0) {
        const [first, ...rest] = errors;
        if (rest.length > 0 && first !== null && typeof first === 'object') Object.assign(first, { suppressed: rest });
        throw first;
      }
    },
  };
}

export const nothingToUndo: AsyncDisposable = { [Symbol.asyncDispose]: async () => {} };

/** Undoes what a half-finished step did; its own failure would only hide the step's error. */
export async function undoQuietly(resource: AsyncDisposable): Promise<void> {
  try {
    await resource[Symbol.asyncDispose]();
  } catch {
    // the error that made us undo is the one the caller throws
  }
}
