/**
 * The AWS-compatible IAM and STS endpoint and the JSON decision API, over the store.
 *
 * ```ts
 * const api = await openApi({ store: 'rolecall.db', port: 4599 });
 * // aws iam list-roles --endpoint-url http://127.0.0.1:4599
 * await api.close();
 * ```
 */
import fs from 'node:fs';
import { createControlPlane, loadPolicyEngine, repairPrincipalReferences, Resolver } from '../iam/index.js';
import type { ApiControlPlane } from './backend.js';
import { openStore, storeLocation, type StoreSettings } from '../store/index.js';
import { anyAccessKey, bootstrapAdministrator, defaultCredentialsFile, usageText } from './bootstrap.js';
import { Freshness } from './freshness.js';
import { createBackend } from './iam-backend.js';
import { iamControl } from './iam-control.js';
import { CONSOLE_PATH } from './console/routes.js';
import { checkCanListen, startServer } from './server.js';

export {
  buildServer,
  startServer,
  DEFAULT_BODY_LIMIT,
  type ServerOptions,
  type RunningServer,
} from './server.js';
export { createBackend } from './iam-backend.js';
export { toWireError, type WireError } from './errors.js';
export type { ApiBackend } from './backend.js';

/** The account the first-start administrator is created in when the store has none. */
export const DEFAULT_ACCOUNT = '123456789012';

export interface OpenApiOptions {
  /** SQLite path, `postgres://` URL or `memory`; default `ROLECALL_STORE` or `.rolecall/rolecall.db`. */
  store?: string;
  /** How the store runs (PostgreSQL's statement timeout); each backend's defaults otherwise. */
  storeSettings?: StoreSettings;
  port?: number;
  host?: string;
  bodyLimit?: number;
  logger?: boolean;
  /** Where the first start writes the administrator key; default beside the store. */
  credentialsFile?: string;
  /** Epoch milliseconds (tests move it to expire sessions). */
  clock?: () => number;
  /** AccessDenied carries an encoded authorization message (`rolecall serve --encode-denials`). */
  encodeDenials?: boolean;
}

export interface OpenApi {
  url: string;
  /** The web console (`${url}/console`). */
  consoleUrl: string;
  port: number;
  storeLocation: string;
  /** How to use the administrator key, when this start created it or its credentials file is there. */
  usage?: string;
  cp: ApiControlPlane & { close(): Promise<void> };
  close(): Promise<void>;
}

export async function openApi(options: OpenApiOptions = {}): Promise<OpenApi> {
  const location = storeLocation(options.store);
  await checkCanListen(options.host ?? '127.0.0.1', options.port ?? 4599);
  const engine = await loadPolicyEngine();
  const store = await openStore(location, options.storeSettings);
  await repairPrincipalReferences(store);
  const now = options.clock ? { now: options.clock } : {};
  const base = createControlPlane(store, { checkPolicy: engine.checkPolicy, ...now });
  // The backend's Freshness checks the store revision before each request, for the resolver too.
  const resolver = new Resolver(base, engine.compile, { checkRevision: false });
  const freshness = new Freshness(store);
  const cp: ApiControlPlane & { close(): Promise<void> } = {
    ...base,
    engine,
    resolver,
    close: async () => {
      freshness.dispose();
      resolver.dispose();
      await store.close();
    },
  };
  try {
    const credentialsFile = options.credentialsFile ?? defaultCredentialsFile(location);
    let created = false;
    if (!(await anyAccessKey(cp.iam))) {
      const account = (await cp.iam.listAccounts())[0]?.id ?? DEFAULT_ACCOUNT;
      created =
        (await bootstrapAdministrator(iamControl(cp.iam, account), credentialsFile)).created !== undefined;
    }
    const server = await startServer({
      backend: createBackend(cp, freshness),
      port: options.port ?? 4599,
      host: options.host ?? '127.0.0.1',
      ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      ...(options.encodeDenials !== undefined ? { encodeDenials: options.encodeDenials } : {}),
      console: { controlPlane: cp },
    });
    return {
      url: server.url,
      consoleUrl: `${server.url}${CONSOLE_PATH}`,
      port: server.port,
      storeLocation: location,
      ...(created || fs.existsSync(credentialsFile)
        ? { usage: usageText(server.url, credentialsFile, created) }
        : {}),
      cp,
      close: async () => {
        await server.close();
        await cp.close();
      },
    };
  } catch (e) {
    await cp.close();
    throw e;
  }
}
