import type { Command } from 'commander';

export type Register = (program: Command) => void;

/**
 * Every command, in the order help lists them, by its name and aliases (as its module declares
 * them; test/unit/command-table.test.ts holds the two together). A run declares only the command
 * it names, so only that command's module is loaded (main.ts); help declares them all.
 */
export const COMMANDS: readonly { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ['server'], load: async () => (await import('./commands/server.js')).registerServer },
  { names: ['list', 'l', 'li', 'ls'], load: async () => (await import('./commands/list.js')).registerList },
  { names: ['inspect', 'i', 'ins'], load: async () => (await import('./commands/inspect.js')).registerInspect },
  { names: ['create', 'c', 'new'], load: async () => (await import('./commands/create.js')).registerCreate },
  { names: ['toggle', 'tog'], load: async () => (await import('./commands/toggle.js')).registerToggle },
  { names: ['delete', 'd'], load: async () => (await import('./commands/delete.js')).registerDelete },
  { names: ['toxic', 't'], load: async () => (await import('./commands/toxic.js')).registerToxic },
  { names: ['faults'], load: async () => (await import('./commands/faults.js')).registerFaults },
  { names: ['preset'], load: async () => (await import('./commands/preset.js')).registerPreset },
  { names: ['reset'], load: async () => (await import('./commands/reset.js')).registerReset },
  { names: ['populate'], load: async () => (await import('./commands/populate.js')).registerPopulate },
  { names: ['experiment'], load: async () => (await import('./commands/experiment.js')).registerExperiment },
  { names: ['matrix'], load: async () => (await import('./commands/matrix.js')).registerMatrix },
  { names: ['vaurien'], load: async () => (await import('./commands/vaurien.js')).registerVaurien },
];
