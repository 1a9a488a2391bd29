/**
 * Serialises control-plane changes. Changes await only local work (binding a port, closing a
 * listener), never the data plane, so a stalled client cannot hold this lock.
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
