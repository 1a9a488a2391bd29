/**
 * Property-based fuzzing of the other two ways input reaches faultline: the config file parser
 * and the command line. A config is either accepted as a list of proxies or refused with a
 * ConfigError naming the file and the place; the CLI exits 0 or 1 with a message, never a stack
 * trace. Seeded (FUZZ_SEED overrides) and bounded in time per property.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { TOXIC_TYPES } from '../../src/api/toxic-types.js';
import { misusedHostShorthand, normaliseArgs } from '../../src/cli/toxiproxy-args.js';
import { ConfigError, parseConfig } from '../../src/server/config-file.js';
import type { RunningServer } from '../../src/server/index.js';
import { startTestServer } from '../helpers/server.js';
import { cli } from '../cli/cli-run.js';

const SEED = Number(process.env.FUZZ_SEED ?? 14);
const run = { seed: SEED, numRuns: 300, interruptAfterTimeLimit: 3000, markInterruptAsFailure: false, endOnFailure: true };

const json = fc.jsonValue({ maxDepth: 3 });
/** Close to a real config, so the properties reach deep into validation, not only the top. */
const toxic = fc.record(
  {
    type: fc.oneof(fc.constantFrom(...TOXIC_TYPES), json),
    name: fc.oneof(fc.string({ maxLength: 6 }), json),
    stream: fc.oneof(fc.constantFrom('upstream', 'downstream'), json),
    toxicity: fc.oneof(fc.double(), json),
    attributes: fc.oneof(fc.dictionary(fc.constantFrom('latency', 'jitter', 'rate', 'bytes', 'timeout', 'x'), fc.oneof(fc.integer(), json)), json),
    extra: json,
  },
  { requiredKeys: [] },
);
const proxy = fc.record(
  {
    name: fc.oneof(fc.constantFrom('a', 'b'), fc.string({ maxLength: 6 }), json),
    listen: fc.oneof(fc.constant('127.0.0.1:0'), json),
    upstream: fc.oneof(fc.constant('127.0.0.1:1'), json),
    enabled: fc.oneof(fc.boolean(), json),
    toxics: fc.oneof(fc.array(toxic, { maxLength: 3 }), json),
    extra: json,
  },
  { requiredKeys: [] },
);
const documents = fc.oneof(
  json,
  fc.array(proxy, { maxLength: 3 }),
  fc.record({ proxies: fc.oneof(fc.array(proxy, { maxLength: 3 }), json), $schema: json }, { requiredKeys: [] }),
);

function assertConfigOutcome(file: string, parse: () => unknown): void {
  try {
    const doc = parse() as { proxies: unknown };
    assert.ok(Array.isArray(doc.proxies), 'an accepted config has a list of proxies');
  } catch (err) {
    assert.ok(err instanceof ConfigError, `only ConfigError escapes, got ${(err as Error).stack}`);
    assert.ok(err.message.startsWith(`invalid config ${file}`), err.message);
    assert.doesNotMatch(err.message, /:$/, 'no dangling colon');
    assert.doesNotMatch(err.message, /got .*, got /, 'says what it got once');
  }
}

test('config documents of any shape, as JSON and as YAML: accepted, or refused naming the file and place', () => {
  fc.assert(
    fc.property(documents, (doc) => {
      assertConfigOutcome('f.json', () => parseConfig('f.json', JSON.stringify(doc) ?? ''));
      assertConfigOutcome('f.yaml', () => parseConfig('f.yaml', stringify(doc)));
    }),
    run,
  );
});

test('config text of any kind (not a document at all): accepted or refused with a ConfigError', () => {
  const text = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.constantFrom('', ' \n', '# only a comment\n', '---\n', 'null', '[]', '{}', '- -\n  - ['));
  fc.assert(
    fc.property(text, fc.constantFrom('c.json', 'c.yaml', 'c.yml', 'c'), (t, file) => assertConfigOutcome(file, () => parseConfig(file, t))),
    run,
  );
});

test("the CLI's Toxiproxy argument rewriting takes any argument list and returns one", () => {
  const arg = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('-h', '-host', '--host', '-host=x', 'server', 'list', '-port', '-port=1', '--version', '-config', 'localhost:1', '-proxy-metrics=false'));
  fc.assert(
    fc.property(fc.array(arg, { maxLength: 8 }), (args) => {
      const out = normaliseArgs(args, new Set(['list', 'toxic', 'create']));
      assert.ok(Array.isArray(out) && out.every((a) => typeof a === 'string'));
      const mistake = misusedHostShorthand(args);
      assert.ok(mistake === undefined || mistake.includes('--host'));
    }),
    run,
  );
});

let server: RunningServer;
before(async () => {
  server = await startTestServer();
});
after(() => server.close());

test('the CLI with odd arguments exits 0 or 1 with a message, never a stack trace', async () => {
  // Never `server` or a leading flag: those start a server, and the machine is shared.
  const command = fc.constantFrom('list', 'inspect', 'create', 'toggle', 'delete', 'toxic', 'reset', 'populate', 'nonsense');
  const arg = fc.oneof(
    fc.constantFrom('add', 'update', 'remove', '-t', 'latency', '-a', 'latency=x', '-a', '=', '-n', '--toxicity', '2', '-u', '-l', '--json', '--help', '-h', 'p', ''),
    fc.string({ maxLength: 10 }).filter((s) => s !== 'server'),
  );
  await fc.assert(
    fc.asyncProperty(command, fc.array(arg, { maxLength: 6 }), async (cmd, args) => {
      const result = await cli([cmd, ...args, '--host', server.url]);
      const shown = `faultline ${[cmd, ...args].map((a) => JSON.stringify(a)).join(' ')}: ${result.code} ${result.stderr}`;
      assert.ok(result.code === 0 || result.code === 1, shown);
      assert.doesNotMatch(result.stderr, /\n\s+at /, `no stack trace: ${shown}`);
      if (result.code === 1) assert.ok(result.stderr.trim().length > 0, `a failure says why: ${shown}`);
    }),
    { ...run, numRuns: 30, interruptAfterTimeLimit: 5000 },
  );
});
