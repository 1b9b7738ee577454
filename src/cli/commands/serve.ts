/**
 * `rolecall serve`: the AWS-compatible IAM and STS endpoint and the decision API over HTTP, on the store.
 * Runs until SIGINT or SIGTERM, then closes the server and the store.
 */
import type { Command } from 'commander';
import { RolecallError } from '../../errors.js';
import { openApi } from '../../api/index.js';
import {
  MAX_REVISION_WINDOW_MS,
  MAX_STATEMENT_TIMEOUT_MS,
  millisecondsValue,
  REVISION_WINDOW_MS,
  STATEMENT_TIMEOUT_MS,
  storeKind,
  storeLocation,
  type StoreSettings,
} from '../../store/index.js';
import type { CommandContext } from '../context.js';

interface ServeOptions {
  port: string;
  host: string;
  store?: string;
  credentialsFile?: string;
  bodyLimit: string;
  log?: boolean;
  encodeDenials?: boolean;
  statementTimeout?: string;
  revisionWindow?: string;
}

function parsePort(text: string): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text) || n > 65535) {
    throw new RolecallError('UsageError', `invalid port \`${text}\``);
  }
  return n;
}

/** The store settings the options give, each checked against the store it is for. */
export function storeSettings(
  opts: Pick<ServeOptions, 'store' | 'statementTimeout' | 'revisionWindow'>,
): StoreSettings {
  const kind = storeKind(storeLocation(opts.store));
  const settings: StoreSettings = {};
  const refuse = (flag: string, wanted: string): never => {
    throw new RolecallError(
      'UsageError',
      `\`${flag}\` is for ${wanted}; this store is ${kind === 'memory' ? 'in memory' : 'a SQLite file'}`,
    );
  };
  if (opts.statementTimeout !== undefined) {
    if (kind !== 'postgres') refuse('--statement-timeout', 'a PostgreSQL store');
    settings.statementTimeoutMs = millisecondsValue(
      opts.statementTimeout,
      '--statement-timeout',
      MAX_STATEMENT_TIMEOUT_MS,
    );
  }
  if (opts.revisionWindow !== undefined) {
    if (kind === 'memory') refuse('--revision-window', 'a SQLite or PostgreSQL store');
    settings.revisionWindowMs = millisecondsValue(
      opts.revisionWindow,
      '--revision-window',
      MAX_REVISION_WINDOW_MS,
    );
  }
  return settings;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description('serve the AWS IAM (2010-05-08) and STS (2011-06-15) query APIs and the decision API')
    .option('--port <port>', 'TCP port (0 picks a free one)', '4599')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(
      '--store <location>',
      'SQLite file, postgres:// URL or `memory` (default: ROLECALL_STORE or .rolecall/rolecall.db)',
    )
    .option(
      '--credentials-file <path>',
      'where the first start writes the administrator key (default: beside the store)',
    )
    .option('--body-limit <bytes>', 'largest request body accepted', String(1024 * 1024))
    .option(
      '--statement-timeout <ms>',
      `PostgreSQL: milliseconds one statement may run before the server cancels it and the call fails with StoreTimeout, nothing written (0: no limit; default ${STATEMENT_TIMEOUT_MS})`,
    )
    .option(
      '--revision-window <ms>',
      `milliseconds a decision trusts the store revision it last read, and a write waits after its commit; the same in every process on the store (0 to ${MAX_REVISION_WINDOW_MS}; default $ROLECALL_REVISION_WINDOW_MS or ${REVISION_WINDOW_MS})`,
    )
    .option('--log', 'log each request: the call, the caller, the decision, the status (never secrets)')
    .option(
      '--encode-denials',
      'add an encoded authorization message to AccessDenied, for sts decode-authorization-message (local debugging)',
    )
    .addHelpText(
      'after',
      '\nOn first start, when no IAM user in the store has an access key, an administrator key is created and\n' +
        'written to the credentials file (mode 0600). Point the aws CLI or an SDK at the printed URL with it.',
    )
    .action(async (opts: ServeOptions) => {
      const bodyLimit = Number(opts.bodyLimit);
      if (!Number.isInteger(bodyLimit) || bodyLimit < 1024) {
        throw new RolecallError('UsageError', `invalid body limit \`${opts.bodyLimit}\``);
      }
      const api = await openApi({
        storeSettings: storeSettings(opts),
        port: parsePort(opts.port),
        host: opts.host,
        bodyLimit,
        logger: opts.log === true,
        encodeDenials: opts.encodeDenials === true,
        ...(opts.store !== undefined ? { store: opts.store } : {}),
        ...(opts.credentialsFile !== undefined ? { credentialsFile: opts.credentialsFile } : {}),
      });
      ctx.out(`rolecall: store ${api.storeLocation}\n`);
      if (api.usage !== undefined) ctx.out(api.usage);
      ctx.out(`rolecall: listening on ${api.url}\n`);
      ctx.out(`rolecall: console on ${api.consoleUrl}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await api.close();
      ctx.out('rolecall: stopped\n');
    });
}
