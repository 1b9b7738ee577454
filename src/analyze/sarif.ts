/**
 * Findings as a SARIF 2.1.0 log, for code-scanning tools. The driver lists every rule of the packs that
 * ran (not only those that fired), each with its help link.
 * https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 */
import { SEVERITY_OF, type Finding, type RuleInfo } from './finding.js';

export interface SarifRule {
  id: string;
  description: string;
}

export function toSarif(
  findings: readonly Finding[],
  rules: Readonly<Record<string, RuleInfo>> | readonly SarifRule[],
  version: string,
): object {
  const list = Array.isArray(rules)
    ? (rules as readonly SarifRule[]).map((r) => ({ id: r.id, description: r.description, info: undefined }))
    : Object.entries(rules as Record<string, RuleInfo>).map(([id, info]) => ({
        id,
        description: info.description,
        info,
      }));
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
            rules: list.map((r) => ({
              id: r.id,
              shortDescription: { text: r.description },
              ...(r.info
                ? {
                    helpUri: r.info.link,
                    defaultConfiguration: { level: SEVERITY_OF[r.info.type] },
                    properties: { findingType: r.info.type },
                  }
                : {}),
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.code,
          level: f.severity,
          message: { text: f.message },
          properties: { findingType: f.type },
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
