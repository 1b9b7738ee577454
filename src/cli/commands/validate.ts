/**
 * `rolecall validate FILE...`: Access Analyzer's policy checks offline, for CI and pre-commit. Policy
 * files, bare statements, CloudFormation templates and Terraform plans; text, JSON, SARIF, JUnit or
 * GitHub annotations; exit 2 when a finding is at or above `--fail-on` (default SECURITY_WARNING).
 */
import type { Command } from 'commander';
import { accessAnalyzerPack, RESOURCE_TYPES } from '../../analyze/index.js';
import { RolecallError } from '../../errors.js';
import type { PolicyKind } from '../../policy/index.js';
import type { CommandContext } from '../context.js';
import { formatOf, runFindings } from './findings-output.js';
import { suggest } from './validate-config.js';

const TYPES: readonly PolicyKind[] = ['identity', 'resource', 'trust', 'boundary', 'scp', 'rcp'];

interface ValidateOpts {
  type?: string;
  resourceType?: string;
  format?: string;
  json?: boolean;
  sarif?: boolean;
  junit?: boolean;
  github?: boolean;
  failOn?: string;
  config?: string;
}

export function register(program: Command, ctx: CommandContext): void {
  program
    .command('validate <files...>')
    .description("check policies with Access Analyzer's policy checks, offline")
    .option('--type <type>', `policy type: ${TYPES.join(', ')} (default: guessed from each policy)`)
    .option(
      '--resource-type <type>',
      `resource type of a resource-based policy: ${RESOURCE_TYPES.join(', ')}`,
    )
    .option('--format <format>', 'text, json, sarif, junit or github')
    .option('--json', 'findings as JSON')
    .option('--sarif', 'a SARIF 2.1.0 log')
    .option('--junit', 'JUnit XML')
    .option('--github', 'GitHub Actions annotations')
    .option(
      '--fail-on <type>',
      'exit 2 on findings of this type or worse: ERROR, SECURITY_WARNING, WARNING, SUGGESTION, none',
    )
    .option('--config <file>', 'configuration (default: .rolecall.yaml when present)')
    .action((files: string[], o: ValidateOpts) => {
      if (o.type !== undefined && !(TYPES as readonly string[]).includes(o.type))
        throw new RolecallError('UsageError', `unknown policy type \`${o.type}\`${suggest(o.type, TYPES)}`);
      if (o.resourceType !== undefined && !RESOURCE_TYPES.includes(o.resourceType))
        throw new RolecallError(
          'UsageError',
          `unknown resource type \`${o.resourceType}\`${suggest(o.resourceType, RESOURCE_TYPES)}`,
        );
      const kind: PolicyKind | undefined =
        (o.type as PolicyKind | undefined) ??
        (o.resourceType === 'AWS::IAM::AssumeRolePolicyDocument'
          ? 'trust'
          : o.resourceType
            ? 'resource'
            : undefined);
      runFindings(
        files,
        [accessAnalyzerPack],
        {
          format: formatOf(o),
          ...(kind ? { kind } : {}),
          ...(o.resourceType ? { resourceType: o.resourceType } : {}),
          ...(o.failOn ? { failOn: o.failOn } : {}),
          ...(o.config ? { config: o.config } : {}),
        },
        ctx,
      );
    });
}
