/**
 * Policy variables in Resource and condition values: `${aws:username}`, `${aws:PrincipalTag/team, 'none'}`,
 * and the escapes `${*}`, `${?}`, `${$}`. Only policies with Version 2012-10-17 substitute them; otherwise
 * the text is literal. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
import { addMissing, valueAt, valueCount, type MissingKeys, type PreparedRequest } from './request.js';

/** Stand-ins for literal `*` and `?` inside a pattern (from `${*}`, `${?}` or a variable's value). */
export const LITERAL_STAR = '\uE000';
export const LITERAL_QUESTION = '\uE001';

export type TemplatePart =
  | { text: string; literal?: undefined }
  /** `${*}`, `${?}`: a character that is literal even where `*` and `?` are wildcards. */
  | { literal: '*' | '?'; text?: undefined }
  | { keyLower: string; key: string; default?: string; text?: undefined; literal?: undefined };

export interface Template {
  parts: TemplatePart[];
  /** Keys the template reads, for explanations. */
  keys: string[];
}

const VARIABLE = /\$\{([^}]*)\}/g;

function escapeWildcards(s: string): string {
  return s.includes('*') || s.includes('?')
    ? s.replaceAll('*', LITERAL_STAR).replaceAll('?', LITERAL_QUESTION)
    : s;
}

/** Undefined when the string has no variable (the common case: match it as it is). */
export function parseTemplate(text: string): Template | undefined {
  if (!text.includes('${')) return undefined;
  const parts: TemplatePart[] = [];
  const keys: string[] = [];
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    if (m.index > last) parts.push({ text: text.slice(last, m.index) });
    last = m.index + m[0].length;
    const body = m[1]!.trim();
    if (body === '*') parts.push({ literal: '*' });
    else if (body === '?') parts.push({ literal: '?' });
    else if (body === '$') parts.push({ text: '$' });
    else {
      // `${key, 'default'}`: the default applies when the key is absent.
      // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-default-values
      const def = /^(.*?)\s*,\s*'(.*)'$/.exec(body);
      const key = (def ? def[1]! : body).trim();
      const part: TemplatePart = def
        ? { key, keyLower: key.toLowerCase(), default: def[2]! }
        : { key, keyLower: key.toLowerCase() };
      parts.push(part);
      keys.push(key);
    }
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return { parts, keys };
}

/**
 * The template with the request's values in place, or undefined when a variable has no value and no
 * default, or is multivalued: such a value is effectively null and matches nothing
 * (reference_policies_variables.html#policy-vars-no-value). With `wildcards`, the result is a pattern
 * in which substituted text and `${*}` / `${?}` stand for themselves (escaped), never for wildcards;
 * without, it is plain text for operators that have no wildcards.
 */
export function resolveTemplate(t: Template, req: PreparedRequest, wildcards: boolean): string | undefined {
  let out = '';
  const parts = t.parts;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.text !== undefined) {
      out += part.text;
      continue;
    }
    if (part.literal !== undefined) {
      out += wildcards ? (part.literal === '*' ? LITERAL_STAR : LITERAL_QUESTION) : part.literal;
      continue;
    }
    const v = req.get(part.keyLower);
    const n = v === undefined ? 0 : valueCount(v);
    let text: string;
    if (n === 0) {
      if (part.default === undefined) return undefined;
      text = part.default;
    } else if (n > 1) return undefined;
    else text = valueAt(v!, 0);
    out += wildcards ? escapeWildcards(text) : text;
  }
  return out;
}

/** Adds to `missing` the keys the template reads that the request lacks, in the template's order. */
export function addMissingKeys(t: Template, req: PreparedRequest, missing: MissingKeys): void {
  for (const part of t.parts)
    if (part.text === undefined && part.literal === undefined && req.get(part.keyLower) === undefined)
      addMissing(missing, part.key);
}

/** Un-escapes the literal stand-ins, to show a resolved pattern to a reader. */
export function unescapeLiteral(s: string): string {
  return s.replaceAll(LITERAL_STAR, '*').replaceAll(LITERAL_QUESTION, '?');
}
