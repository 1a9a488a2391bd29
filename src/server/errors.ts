/**
 * The errors a server start can fail with, apart from the modules that throw them: the CLI and
 * embedders catch them without loading the config reader (yaml, zod) or the plugin loader.
 */

/** A config file that cannot be used; the message names the file, the place and the problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A plugin that cannot be used; the message names the file (or the caller) and the problem. */
export class PluginError extends Error {
  override name = 'PluginError';
}
