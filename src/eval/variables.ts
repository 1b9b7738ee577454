/**
 * Policy variables in Resource and condition values: `${aws:username}`, `${aws:PrincipalTag/team, 'none'}`,
 * and the escapes `${*}`, `${?}`, `${$}`. Only policies with Version 2012-10-17 substitute them; otherwise
 * the text is literal. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
import type { PreparedRequest } from './request.js';

/** Stand-ins for literal `*` and `?` inside a pattern (from `${*}`, `${?}` or a variable's value). */
export const LITERAL_STAR = '\uE000';
export const LITERAL_QUESTION = '\uE001';

export type TemplatePart = { text: string } | { keyLower: string; key: string; default?: string };

export interface Template {
  parts: TemplatePart[];
  /** Keys the template reads, for explanations. */
  keys: string[];
}

const VARIABLE = /\$\{([^}]*)\}/g;

function escapeLiteral(s: string): string {
  return s.replaceAll('*', LITERAL_STAR).replaceAll('?', LITERAL_QUESTION);
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
    if (body === '*') parts.push({ text: LITERAL_STAR });
    else if (body === '?') parts.push({ text: LITERAL_QUESTION });
    else if (body === '$') parts.push({ text: '$' });
    else {
      // `${key, 'default'}`: the default applies when the key is absent.
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
 * The template with the request's values in place (literal, never wildcards), or undefined when a variable
 * has no value and no default, or is multivalued: then the element it is in cannot match.
 */
export function resolveTemplate(t: Template, req: PreparedRequest): string | undefined {
  let out = '';
  for (const part of t.parts) {
    if ('text' in part) {
      out += part.text;
      continue;
    }
    const v = req.get(part.keyLower);
    if (v === undefined || v.length === 0) {
      if (part.default === undefined) return undefined;
      out += escapeLiteral(part.default);
    } else if (v.length > 1) return undefined;
    else out += escapeLiteral(v[0]!);
  }
  return out;
}

/** Un-escapes the literal stand-ins, for patterns compared as plain text. */
export function unescapeLiteral(s: string): string {
  return s.replaceAll(LITERAL_STAR, '*').replaceAll(LITERAL_QUESTION, '?');
}
