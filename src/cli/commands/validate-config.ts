/**
 * `.rolecall.yaml`: which findings to ignore (by code, file glob or statement Sid, alone or together),
 * which to report with another finding type, and the default `--fail-on` threshold. Every problem is
 * reported with its line:column; unknown fields and codes get the nearest known name as a suggestion.
 *
 *   failOn: SECURITY_WARNING
 *   ignore:
 *     - code: MISSING_VERSION
 *     - file: legacy/*.json
 *     - sid: BreakGlass
 *       code: PASS_ROLE_WITH_STAR_IN_RESOURCE
 *   severity:
 *     REDUNDANT_ACTION: WARNING
 */
import fs from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import {
  FINDING_TYPES,
  type Finding,
  type FindingType,
  SEVERITY_OF,
  type RuleInfo,
} from '../../analyze/index.js';
import { RolecallError, type ErrorPlace } from '../../errors.js';
import { globMatch } from '../../policy/index.js';
import { editDistance } from '../../policy/edit-distance.js';

export interface IgnoreRule {
  code?: string;
  file?: string;
  sid?: string;
}

export interface ValidateConfig {
  failOn?: FindingType | 'none';
  ignore: IgnoreRule[];
  severity: Record<string, FindingType>;
}

export const EMPTY_CONFIG: ValidateConfig = { ignore: [], severity: {} };

const TOP = ['failOn', 'ignore', 'severity'] as const;
const IGNORE_FIELDS = ['code', 'file', 'sid'] as const;
const THRESHOLDS = [...FINDING_TYPES, 'none'] as const;

export function suggest(word: string, known: readonly string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const dist = editDistance(word.toLowerCase(), k.toLowerCase());
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  const prefixed = known.find((k) => word.length >= 3 && k.toLowerCase().startsWith(word.toLowerCase()));
  if (bestD > Math.max(2, Math.floor(word.length / 3)) && prefixed) best = prefixed;
  else if (bestD > Math.max(2, Math.floor(word.length / 3))) return '';
  return `; did you mean \`${best}\`?`;
}

export function loadValidateConfig(file: string, rules: Readonly<Record<string, RuleInfo>>): ValidateConfig {
  const text = fs.readFileSync(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const problems: { message: string; place: ErrorPlace }[] = [];
  const at = (n: Node | null | undefined, path: string): ErrorPlace => {
    const pos = n?.range ? lines.linePos(n.range[0]) : { line: 1, col: 1 };
    return { file, line: pos.line, column: pos.col, path };
  };
  for (const e of doc.errors) {
    const pos = lines.linePos(e.pos[0]);
    problems.push({
      message: e.message.split('\n')[0] ?? 'invalid YAML',
      place: { file, line: pos.line, column: pos.col },
    });
  }
  const config: ValidateConfig = { ignore: [], severity: {} };
  const codes = Object.keys(rules);
  const root = doc.contents;
  if (problems.length === 0 && root !== null && !isMap(root))
    problems.push({
      message: 'the configuration is a map of `failOn`, `ignore` and `severity`',
      place: at(root, '$'),
    });
  if (problems.length === 0 && isMap(root)) {
    for (const item of root.items) {
      const key = isScalar(item.key) ? String(item.key.value) : '';
      const path = `$.${key}`;
      const value = item.value as Node | null;
      if (!(TOP as readonly string[]).includes(key)) {
        problems.push({
          message: `unknown field \`${key}\`${suggest(key, TOP)}`,
          place: at(item.key, path),
        });
        continue;
      }
      if (key === 'failOn') {
        const v = isScalar(value) ? String(value.value) : '';
        if (!(THRESHOLDS as readonly string[]).includes(v))
          problems.push({
            message: `\`failOn\` is one of ${THRESHOLDS.join(', ')}, not \`${v}\`${suggest(v, THRESHOLDS)}`,
            place: at(value, path),
          });
        else config.failOn = v as FindingType | 'none';
      } else if (key === 'ignore') {
        if (!isSeq(value)) {
          problems.push({
            message: '`ignore` is a list of `{code, file, sid}` entries',
            place: at(value, path),
          });
          continue;
        }
        value.items.forEach((entry, i) => {
          const ep = `${path}[${i}]`;
          if (!isMap(entry)) {
            problems.push({
              message: 'an `ignore` entry is a map of `code`, `file` and `sid`',
              place: at(entry as Node, ep),
            });
            return;
          }
          const rule: IgnoreRule = {};
          for (const f of entry.items) {
            const name = isScalar(f.key) ? String(f.key.value) : '';
            const v = isScalar(f.value) ? String(f.value.value) : undefined;
            if (!(IGNORE_FIELDS as readonly string[]).includes(name)) {
              problems.push({
                message: `unknown field \`${name}\`${suggest(name, IGNORE_FIELDS)}`,
                place: at(f.key as Node, `${ep}.${name}`),
              });
              continue;
            }
            if (v === undefined || v === '') {
              problems.push({
                message: `\`${name}\` is a non-empty string`,
                place: at(f.value as Node, `${ep}.${name}`),
              });
              continue;
            }
            if (name === 'code' && !codes.includes(v))
              problems.push({
                message: `unknown finding code \`${v}\`${suggest(v, codes)}`,
                place: at(f.value as Node, `${ep}.code`),
              });
            rule[name as keyof IgnoreRule] = v;
          }
          if (Object.keys(rule).length === 0 && entry.items.length === 0)
            problems.push({
              message: 'an empty `ignore` entry would ignore every finding',
              place: at(entry, ep),
            });
          config.ignore.push(rule);
        });
      } else {
        if (!isMap(value)) {
          problems.push({
            message: '`severity` maps finding codes to finding types',
            place: at(value, path),
          });
          continue;
        }
        for (const f of value.items) {
          const code = isScalar(f.key) ? String(f.key.value) : '';
          const v = isScalar(f.value) ? String(f.value.value) : '';
          if (!codes.includes(code))
            problems.push({
              message: `unknown finding code \`${code}\`${suggest(code, codes)}`,
              place: at(f.key as Node, `${path}.${code}`),
            });
          else if (!(FINDING_TYPES as readonly string[]).includes(v))
            problems.push({
              message: `a finding type is one of ${FINDING_TYPES.join(', ')}, not \`${v}\`${suggest(v, FINDING_TYPES)}`,
              place: at(f.value as Node, `${path}.${code}`),
            });
          else config.severity[code] = v as FindingType;
        }
      }
    }
  }
  const first = problems[0];
  if (first)
    throw new RolecallError(
      'InvalidFile',
      first.message,
      first.place,
      problems.slice(1).map((p) => ({ message: p.message, place: p.place })),
    );
  return config;
}

const matchesFile = (pattern: string, file: string | undefined) =>
  file !== undefined &&
  (globMatch(pattern, file) || globMatch(`*/${pattern}`, file) || file.endsWith(`/${pattern}`));

/** Applies the configuration: drops ignored findings, re-types the others. */
export function applyConfig(findings: readonly Finding[], config: ValidateConfig): Finding[] {
  return findings
    .filter(
      (f) =>
        !config.ignore.some(
          (r) =>
            (r.code === undefined || r.code === f.code) &&
            (r.sid === undefined || r.sid === f.sid) &&
            (r.file === undefined || matchesFile(r.file, f.file)),
        ),
    )
    .map((f) => {
      const t = config.severity[f.code];
      return t ? { ...f, type: t, severity: SEVERITY_OF[t] } : f;
    });
}
