/**
 * Findings for CI systems besides SARIF: JUnit XML (one test case per file, a failure per finding at
 * or above the threshold) and GitHub Actions workflow commands (`::error file=...,line=...,col=...::`).
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
 */
import { FINDING_RANK, type Finding, type FindingType } from './finding.js';

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Whether a finding is at least as severe as the threshold (`none` fails nothing). */
export function fails(f: Finding, threshold: FindingType | 'none'): boolean {
  return threshold !== 'none' && FINDING_RANK[f.type] <= FINDING_RANK[threshold];
}

export function toJUnit(
  files: readonly string[],
  findings: readonly Finding[],
  threshold: FindingType | 'none',
): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = findings.filter((f) => fails(f, threshold)).length;
  lines.push(`<testsuites name="rolecall validate" tests="${files.length}" failures="${failures}">`);
  lines.push(`  <testsuite name="rolecall validate" tests="${files.length}" failures="${failures}">`);
  for (const file of files) {
    const mine = findings.filter((f) => (f.file ?? '') === file);
    lines.push(`    <testcase classname="rolecall.validate" name="${xml(file)}">`);
    for (const f of mine) {
      const text = `${file}:${f.line}:${f.column} ${f.path}: ${f.message}${f.link ? ` (${f.link})` : ''}`;
      if (fails(f, threshold))
        lines.push(
          `      <failure type="${f.code}" message="${xml(`${f.type} ${f.code}`)}">${xml(text)}</failure>`,
        );
      else lines.push(`      <system-out>${xml(`${f.type} ${f.code} ${text}`)}</system-out>`);
    }
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}

const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const COMMAND: Record<FindingType, 'error' | 'warning' | 'notice'> = {
  ERROR: 'error',
  SECURITY_WARNING: 'error',
  WARNING: 'warning',
  SUGGESTION: 'notice',
};

export function toGithubAnnotations(findings: readonly Finding[]): string {
  return findings
    .map((f) => {
      const props = [
        ...(f.file ? [`file=${escapeProperty(f.file)}`] : []),
        `line=${f.line}`,
        `col=${f.column}`,
        `title=${escapeProperty(`${f.type} ${f.code}`)}`,
      ].join(',');
      return `::${COMMAND[f.type]} ${props}::${escapeData(`${f.message} (${f.path})${f.link ? ` ${f.link}` : ''}`)}\n`;
    })
    .join('');
}
