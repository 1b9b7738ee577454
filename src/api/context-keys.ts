/**
 * The condition keys a set of policy documents reads, for GetContextKeysFor*Policy: every key under every
 * condition operator of every statement, de-duplicated case-insensitively (key names are case-insensitive).
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetContextKeysForCustomPolicy.html
 */
import { RolecallError } from '../errors.js';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function contextKeysOf(documents: readonly string[]): string[] {
  const keys = new Map<string, string>();
  documents.forEach((text, i) => {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new RolecallError('MalformedPolicyDocument', `PolicyInputList.${i + 1} is not valid JSON`);
    }
    const statements: unknown = isRecord(doc) ? doc.Statement : undefined;
    for (const st of Array.isArray(statements) ? statements : [statements]) {
      if (!isRecord(st) || !isRecord(st.Condition)) continue;
      for (const block of Object.values(st.Condition)) {
        if (!isRecord(block)) continue;
        for (const key of Object.keys(block))
          if (!keys.has(key.toLowerCase())) keys.set(key.toLowerCase(), key);
      }
    }
  });
  return [...keys.values()].sort((a, b) => a.localeCompare(b));
}
