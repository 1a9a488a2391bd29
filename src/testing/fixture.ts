import { serverUrlFromEnvironment } from '../client/environment.js';
import { Faultline, type ProxyConfig } from '../client/faultline.js';
import { startServer, type RunningServer } from '../server/index.js';

export interface FixtureOptions {
  /**
   * Reach this server instead of starting one. Defaults to FAULTLINE_URL or TOXIPROXY_URL
   * when set; with neither, a server is started in this process on an ephemeral port.
   */
  url?: string;
  /** Proxies (and toxics) to create before the tests; kept across `reset()`. */
  proxies?: readonly ProxyConfig[];
  /** Seed for an in-process server, to make toxicity rolls and jitter reproducible. */
  seed?: number;
}

/**
 * A faultline server for a test suite: started in-process or reached over HTTP, reset between
 * tests. Framework-neutral; the node:test, Vitest and Jest helpers wire it to their hooks.
 */
export class FaultlineFixture {
  private server: RunningServer | undefined;
  private current: Faultline | undefined;

  constructor(private readonly options: FixtureOptions = {}) {}

  /** The client; available once `setup()` has run. */
  get client(): Faultline {
    if (this.current === undefined) throw new Error('faultline fixture used before setup(): call it in a before/beforeAll hook');
    return this.current;
  }

  get url(): string {
    return this.client.url;
  }

  async setup(): Promise<Faultline> {
    const url = this.options.url ?? serverUrlFromEnvironment();
    if (url === undefined) {
      this.server = await startServer({ port: 0, ...(this.options.seed === undefined ? {} : { seed: this.options.seed }) });
      this.current = this.server.client;
    } else {
      const client = new Faultline(url);
      if (!(await client.isReachable())) {
        throw new Error(
          `faultline: no server reachable at ${client.url}. Start one with "npx faultline server", ` +
            'or unset FAULTLINE_URL/TOXIPROXY_URL (and pass no url) to run one inside the test process.',
        );
      }
      this.current = client;
    }
    if (this.options.proxies !== undefined) await this.current.populate(this.options.proxies);
    return this.current;
  }

  /**
   * Removes every toxic and re-enables every proxy, so each test starts clean, then puts back
   * the toxics the fixture declared.
   */
  async reset(): Promise<void> {
    await this.client.reset();
    const declared = this.options.proxies;
    if (declared !== undefined && declared.some((p) => (p.toxics ?? []).length > 0)) await this.client.populate(declared);
  }

  async teardown(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
  }
}

type Hook = (fn: () => Promise<void>) => unknown;

/** The hook functions of a test framework; node:test calls them before/after, others beforeAll/afterAll. */
export interface TestHooks {
  before?: Hook;
  beforeAll?: Hook;
  after?: Hook;
  afterAll?: Hook;
  beforeEach: Hook;
}

/** Registers a fixture with a framework's hooks: set up once, reset before each test, torn down at the end. */
export function useFaultline(hooks: TestHooks, options: FixtureOptions = {}): FaultlineFixture {
  const fixture = new FaultlineFixture(options);
  const before = hooks.beforeAll ?? hooks.before;
  const after = hooks.afterAll ?? hooks.after;
  if (before === undefined || after === undefined) throw new Error('useFaultline needs a before/beforeAll and an after/afterAll hook');
  before(async () => {
    await fixture.setup();
  });
  hooks.beforeEach(() => fixture.reset());
  after(() => fixture.teardown());
  return fixture;
}
