import { Option, type Command } from 'commander';
import type { Stream, ToxicSpec } from '../../api/toxic.js';
import { print, printJson } from '../output.js';
import { hostOption, jsonOption, remote } from '../remote.js';
import { collect } from '../collect.js';
import { UserError } from '../user-error.js';

/**
 * The attribute checks and the help's list of types come from the toxic definitions (zod
 * schemas), loaded only by the subcommands that need them: `remove` and the other commands
 * never do.
 */
let toxicFlags: typeof import('../toxic-flags.js') | undefined;
async function loadToxicFlags(): Promise<typeof import('../toxic-flags.js')> {
  return (toxicFlags ??= await import('../toxic-flags.js'));
}

interface AddFlags {
  type: string;
  toxicName?: string;
  toxicity?: string;
  tox?: string;
  attribute?: string[];
  upstream?: boolean;
  downstream?: boolean;
}

interface UpdateFlags {
  toxicName: string;
  toxicity?: string;
  tox?: string;
  attribute?: string[];
}

interface RemoveFlags {
  toxicName: string;
}

function streamOf(flags: AddFlags): Stream {
  if (flags.upstream === true && flags.downstream === true) {
    throw new UserError('give either --upstream or --downstream, not both');
  }
  return flags.upstream === true ? 'upstream' : 'downstream';
}

async function add(proxyName: string, flags: AddFlags, command: Command): Promise<void> {
  const { checkAttributes, checkType, parseAttributes, parseToxicity } = await loadToxicFlags();
  const type = checkType(flags.type);
  const stream = streamOf(flags);
  const toxicity = parseToxicity(flags.toxicity ?? flags.tox);
  const attributes = checkAttributes(type, parseAttributes(flags.attribute ?? []));
  const { client, json } = remote(command);
  const proxy = await client.proxy(proxyName);
  const spec = {
    type,
    stream,
    attributes,
    ...(flags.toxicName === undefined ? {} : { name: flags.toxicName }),
    ...(toxicity === undefined ? {} : { toxicity }),
  } as ToxicSpec;
  const toxic = await proxy.addToxic(spec);
  if (json) return printJson(toxic);
  print(`Added ${toxic.stream} ${toxic.type} toxic '${toxic.name}' on proxy '${proxyName}'`);
}

async function update(proxyName: string, flags: UpdateFlags, command: Command): Promise<void> {
  const { checkAttributes, parseAttributes, parseToxicity } = await loadToxicFlags();
  const toxicity = parseToxicity(flags.toxicity ?? flags.tox);
  const given = parseAttributes(flags.attribute ?? []);
  if (toxicity === undefined && flags.attribute === undefined) {
    throw new UserError('nothing to update: give --toxicity and/or -a key=value');
  }
  const { client, json } = remote(command);
  const toxic = await (await client.proxy(proxyName)).toxic(flags.toxicName);
  const attributes = checkAttributes(toxic.type, given);
  // Unlike toxiproxy-cli, no --toxicity means the toxicity is left as it is.
  await toxic.update({
    ...(Object.keys(attributes).length === 0 ? {} : { attributes }),
    ...(toxicity === undefined ? {} : { toxicity }),
  });
  if (json) return printJson(toxic);
  print(`Updated toxic '${toxic.name}' on proxy '${proxyName}'`);
}

async function removeToxic(proxyName: string, flags: RemoveFlags, command: Command): Promise<void> {
  const { client, json } = remote(command);
  const toxic = await (await client.proxy(proxyName)).toxic(flags.toxicName);
  await toxic.remove();
  // DELETE answers with no body: --json shows the toxic as it was just before.
  if (json) return printJson(toxic);
  print(`Removed toxic '${flags.toxicName}' on proxy '${proxyName}'`);
}

/** toxiproxy-cli's `--tox`, kept out of the help: `--toxicity` is the name to learn. */
const toxAlias = (): Option => new Option('--tox <f>').hideHelp();

function registerAdd(toxic: Command): void {
  toxic
    .command('add')
    .alias('a')
    .argument('<proxy>', 'proxy name')
    .requiredOption('-t, --type <type>', 'toxic type (see below)')
    .option('-n, --toxicName <name>', 'toxic name (default: <type>_<stream>)')
    .option('--toxicity <f>', 'share of connections affected, 0 to 1 (default: 1)')
    .addOption(toxAlias())
    .option('-a, --attribute <key=value>', 'attribute, repeatable', collect)
    .option('-u, --upstream', 'act on data from the client to the upstream')
    .option('-d, --downstream', 'act on data from the upstream to the client (the default)')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('add a toxic to a proxy')
    .addHelpText(
      'after',
      // A function, so types registered by --plugin after start-up are listed too; the
      // definitions were loaded by the hook on `toxic` that runs before `add` parses.
      () => `
${toxicFlags?.toxicTypesHelp() ?? ''}

Examples:
  faultline toxic add redis -t latency -a latency=1000 -a jitter=100
  faultline toxic add pg -t timeout -a timeout=0 --upstream -n pg_hang --toxicity 0.5
  faultline t a redis -t bandwidth -a rate=100
  faultline toxic add web -t error -a status=503 -a path=/ratings -a nth=2,3
  faultline toxic add web -t error -a status=503 -a 'headers={"x-test":"42"}' -a probability=0.5
  faultline toxic add web -t delay -a ms=2000 -a where=response -a method=GET,HEAD`,
    )
    .action((proxy: string, flags: AddFlags, command: Command) => add(proxy, flags, command));
}

function registerUpdate(toxic: Command): void {
  toxic
    .command('update')
    .alias('u')
    .argument('<proxy>', 'proxy name')
    .requiredOption('-n, --toxicName <name>', 'name of the toxic to change')
    .option('--toxicity <f>', 'share of connections affected, 0 to 1 (default: kept)')
    .addOption(toxAlias())
    .option('-a, --attribute <key=value>', 'attribute to change, repeatable; others are kept', collect)
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('change a toxic in place, on live connections too')
    .addHelpText(
      'after',
      `
Only what is given changes: without --toxicity the toxicity is kept (toxiproxy-cli resets it to 1).

Examples:
  faultline toxic update redis -n latency_downstream -a latency=250
  faultline t u redis -n latency_downstream --toxicity 0.25`,
    )
    .action((proxy: string, flags: UpdateFlags, command: Command) => update(proxy, flags, command));
}

function registerRemove(toxic: Command): void {
  toxic
    .command('remove')
    .aliases(['r', 'delete', 'd'])
    .argument('<proxy>', 'proxy name')
    .requiredOption('-n, --toxicName <name>', 'name of the toxic to remove')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('remove a toxic from a proxy')
    .addHelpText(
      'after',
      `
Examples:
  faultline toxic remove redis -n latency_downstream
  faultline t d redis -n latency_downstream`,
    )
    .action((proxy: string, flags: RemoveFlags, command: Command) => removeToxic(proxy, flags, command));
}

export function registerToxic(program: Command): void {
  const toxic = program
    .command('toxic')
    .alias('t')
    .addOption(hostOption())
    .addOption(jsonOption())
    .description('add, update or remove a toxic on a proxy')
    .addHelpText(
      'after',
      `
Examples:
  faultline toxic add redis -t latency -a latency=1000
  faultline toxic update redis -n latency_downstream -a latency=250
  faultline toxic remove redis -n latency_downstream

See faultline toxic add --help for every toxic type and its attributes.`,
    )
    .hook('preSubcommand', async (_toxic, sub) => {
      if (sub.name() !== 'remove') await loadToxicFlags();
    });
  registerAdd(toxic);
  registerUpdate(toxic);
  registerRemove(toxic);
}
