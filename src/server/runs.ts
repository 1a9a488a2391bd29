import { MAX_RUN_CELLS, MAX_RUN_POINTS, MAX_RUNS, runNotFound, type RunCreate, type RunJson, type RunUpdate } from '../api/runs.js';
import type { EventBus } from './events.js';

/**
 * The runs runners have reported, newest last, at most MAX_RUNS: the oldest goes when a new one
 * comes, running or not (its runner's next report then gets a 404 and stops reporting).
 */
export class RunRegistry {
  private readonly runs = new Map<string, RunJson>();
  private next = 1;

  constructor(private readonly events: EventBus) {}

  list(): RunJson[] {
    return [...this.runs.values()];
  }

  create(spec: RunCreate): RunJson {
    const now = new Date().toISOString();
    const run: RunJson = {
      id: String(this.next++),
      kind: spec.kind,
      name: spec.name,
      file: spec.file ?? null,
      status: 'running',
      phase: null,
      reason: null,
      started_at: now,
      updated_at: now,
      elapsed_ms: 0,
      rows: spec.rows ?? [],
      features: spec.features ?? [],
      points: [],
      cells: [],
    };
    this.runs.set(run.id, run);
    for (const id of this.runs.keys()) {
      if (this.runs.size <= MAX_RUNS) break;
      this.runs.delete(id);
    }
    this.emit(run);
    return run;
  }

  get(id: string): RunJson {
    const run = this.runs.get(id);
    if (run === undefined) throw runNotFound();
    return run;
  }

  update(id: string, change: RunUpdate): RunJson {
    const run = this.get(id);
    if (change.status !== undefined) run.status = change.status;
    if (change.phase !== undefined) run.phase = change.phase;
    if (change.reason !== undefined) run.reason = change.reason;
    if (change.elapsed_ms !== undefined) run.elapsed_ms = change.elapsed_ms;
    if (change.points !== undefined) {
      run.points.push(...change.points);
      if (run.points.length > MAX_RUN_POINTS) run.points.splice(0, run.points.length - MAX_RUN_POINTS);
    }
    for (const cell of change.cells ?? []) {
      // A cell reported again (a retry, a resent update) replaces the one before.
      const i = run.cells.findIndex((c) => c.row === cell.row && c.feature === cell.feature);
      if (i >= 0) run.cells[i] = cell;
      else if (run.cells.length < MAX_RUN_CELLS) run.cells.push(cell);
    }
    run.updated_at = new Date().toISOString();
    this.emit(run);
    return run;
  }

  private emit(run: RunJson): void {
    this.events.emit({ type: 'run', proxy: '', run });
  }
}

/**
 * One registry per server state. Kept beside it rather than in it: runs are not proxies and
 * reset (`POST /reset`) leaves them alone.
 */
const registries = new WeakMap<EventBus, RunRegistry>();
export function runsOf(events: EventBus): RunRegistry {
  let registry = registries.get(events);
  if (registry === undefined) registries.set(events, (registry = new RunRegistry(events)));
  return registry;
}
