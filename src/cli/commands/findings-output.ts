/**
 * What `validate` and `emr lint` share: run check packs over files, apply `.rolecall.yaml`, print text,
 * JSON, SARIF, JUnit or GitHub annotations, and set the exit code from the `--fail-on` threshold
 * (0 nothing at or above it, 2 otherwise).
 */
import fs from 'node:fs';
import {
  FINDING_TYPES,
  fails,
  rulesOf,
  toGithubAnnotations,
  toJUnit,
  toSarif,
  validatePolicyText,
  type CheckPack,
  type Finding,
  type FindingType,
} from '../../analyze/index.js';
import { RolecallError } from '../../errors.js';
import type { PolicyKind } from '../../policy/index.js';
import { exitCodes, type CommandContext } from '../context.js';
import { packageVersion } from '../package-version.js';
import { guessKind, policyInputs } from './policy-inputs.js';
import { applyConfig, EMPTY_CONFIG, loadValidateConfig, suggest } from './validate-config.js';

export const FORMATS = ['text', 'json', 'sarif', 'junit', 'github'] as const;
export type Format = (typeof FORMATS)[number];
const THRESHOLDS = [...FINDING_TYPES, 'none'] as const;

export interface RunOptions {
  kind?: PolicyKind;
  resourceType?: string;
  format: Format;
  failOn?: string;
  config?: string;
  /** The threshold when neither `--fail-on` nor the configuration sets one. */
  defaultFailOn?: FindingType | 'none';
}

/** `--json`, `--sarif`, `--junit`, `--github` or `--format F`. */
export function formatOf(o: {
  format?: string;
  json?: boolean;
  sarif?: boolean;
  junit?: boolean;
  github?: boolean;
}): Format {
  const chosen = (['json', 'sarif', 'junit', 'github'] as const).filter((f) => o[f]);
  if (o.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(o.format))
      throw new RolecallError('UsageError', `unknown format \`${o.format}\`${suggest(o.format, FORMATS)}`);
    chosen.push(o.format as Exclude<Format, 'text'>);
  }
  if (new Set(chosen).size > 1)
    throw new RolecallError('UsageError', `choose one output format, not ${chosen.join(' and ')}`);
  return chosen[0] ?? 'text';
}

export function thresholdOf(v: string | undefined, fallback: FindingType | 'none'): FindingType | 'none' {
  if (v === undefined) return fallback;
  const up = v.toUpperCase();
  if (!(THRESHOLDS as readonly string[]).includes(up === 'NONE' ? 'none' : up))
    throw new RolecallError(
      'UsageError',
      `\`--fail-on\` is one of ${THRESHOLDS.join(', ')}, not \`${v}\`${suggest(v, THRESHOLDS)}`,
    );
  return (up === 'NONE' ? 'none' : up) as FindingType | 'none';
}

export function runFindings(
  files: readonly string[],
  packs: readonly CheckPack[],
  o: RunOptions,
  ctx: CommandContext,
): void {
  const rules = rulesOf(packs);
  const configFile = o.config ?? (fs.existsSync('.rolecall.yaml') ? '.rolecall.yaml' : undefined);
  const config = configFile ? loadValidateConfig(configFile, rules) : EMPTY_CONFIG;
  const threshold = thresholdOf(o.failOn, config.failOn ?? o.defaultFailOn ?? 'SECURITY_WARNING');
  let findings: Finding[] = [];
  for (const file of files)
    for (const input of policyInputs(file)) {
      const kind = o.kind ?? input.kind ?? guessKind(input.text);
      const found = validatePolicyText(input.text, {
        kind,
        file,
        packs,
        ...(o.resourceType ? { resourceType: o.resourceType } : {}),
      });
      findings.push(...found.map((f) => input.place(f)));
    }
  findings = applyConfig(findings, config);
  switch (o.format) {
    case 'sarif':
      ctx.out(`${JSON.stringify(toSarif(findings, rules, packageVersion()), null, 2)}\n`);
      break;
    case 'json':
      ctx.out(`${JSON.stringify(findings, null, 2)}\n`);
      break;
    case 'junit':
      ctx.out(toJUnit(files, findings, threshold));
      break;
    case 'github':
      ctx.out(toGithubAnnotations(findings));
      break;
    default:
      for (const f of findings)
        ctx.out(`${f.file ?? ''}:${f.line}:${f.column} ${f.type} ${f.code} ${f.message} (${f.path})\n`);
      ctx.out(`${findings.length} finding${findings.length === 1 ? '' : 's'}\n`);
  }
  ctx.exitCode = findings.some((f) => fails(f, threshold)) ? exitCodes.deny : exitCodes.ok;
}
