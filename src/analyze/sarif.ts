/**
 * Findings as a SARIF 2.1.0 log, for code-scanning tools.
 * https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */
import type { Finding } from './finding.js';

export interface SarifRule {
  id: string;
  description: string;
}

export function toSarif(
  findings: readonly Finding[],
  rules: readonly SarifRule[],
  version = '0.0.0',
): object {
  const used = rules.filter((r) => findings.some((f) => f.code === r.id));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rolecall',
            version,
            informationUri: 'https://github.com/rolecall/rolecall',
            rules: used.map((r) => ({ id: r.id, shortDescription: { text: r.description } })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.code,
          level: f.severity,
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.file ?? 'policy.json' },
                region: { startLine: f.line, startColumn: f.column },
              },
              logicalLocations: [{ fullyQualifiedName: f.path, kind: 'member' }],
            },
          ],
        })),
      },
    ],
  };
}
