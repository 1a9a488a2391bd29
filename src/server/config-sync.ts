import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { ConfigDocument } from '../api/config.js';
import type { Logger } from '../proxy/logger.js';
import { ConfigError, readConfig } from './config-file.js';
import { DesiredState, type SyncSummary } from './desired-state.js';
import type { ProxyCollection } from './state.js';

export type { SyncSummary } from './desired-state.js';

/**
 * Keeps the server in step with a config file: each reload is applied as a desired state, so
 * only what the edit changed is touched (see DesiredState).
 */
export class ConfigSync {
  private readonly desired: DesiredState;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    state: ProxyCollection,
    readonly file: string,
    private readonly logger: Logger,
  ) {
    this.desired = new DesiredState(state);
  }

  /** Reads and applies the file; any problem is thrown (the server should not start). */
  async load(): Promise<SyncSummary> {
    const summary = await this.apply(await readConfig(this.file));
    if (summary.errors.length > 0) throw new ConfigError(`cannot apply config ${this.file}: ${summary.errors.join('; ')}`);
    return summary;
  }

  /** Re-reads the file; a broken edit is reported and the running state kept. */
  async reload(): Promise<SyncSummary | undefined> {
    let doc: ConfigDocument;
    try {
      doc = await readConfig(this.file);
    } catch (err) {
      this.logger.error({ file: this.file, error: (err as Error).message }, 'Config not reloaded: keeping the running state');
      return undefined;
    }
    const summary = await this.apply(doc);
    if (summary.errors.length > 0) this.logger.error({ file: this.file, errors: summary.errors }, 'Config reloaded with errors');
    else this.logger.info({ file: this.file, created: summary.created, updated: summary.updated, deleted: summary.deleted }, 'Config reloaded');
    return summary;
  }

  /** Watches the file's folder (editors often replace the file rather than write it). */
  watch(onReload?: (summary: SyncSummary | undefined) => void): void {
    const name = basename(this.file);
    this.watcher = watch(dirname(this.file), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(this.timer);
      // Editors write in several steps; wait for them to settle.
      this.timer = setTimeout(() => {
        this.running = this.running.then(async () => {
          const summary = await this.reload();
          try {
            onReload?.(summary);
          } catch (err) {
            // An embedder's callback must not stop later reloads or the server's close().
            this.logger.error({ file: this.file, err }, 'Config reload callback failed');
          }
        });
      }, 100);
    });
    this.watcher.on('error', (err) => this.logger.error({ file: this.file, err }, 'Config watch failed'));
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
    await this.running;
  }

  private apply(doc: ConfigDocument): Promise<SyncSummary> {
    return this.desired.apply(doc);
  }
}
