/**
 * XML rendering for the AWS query protocol: `<{Op}Response>` envelopes, `<member>` lists, `<entry>` maps,
 * ISO-8601 timestamps and lower-case booleans, as the SDKs' XML deserializers read them.
 */
import type { WireError } from './errors.js';

/** A map rendered as `<entry><key>…</key><value>…</value></entry>`. */
export class XmlMap {
  constructor(readonly entries: readonly (readonly [string, XmlValue])[]) {}
}

export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | null
  | XmlMap
  | readonly XmlValue[]
  | { readonly [name: string]: XmlValue };

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;',
};

/** Characters XML 1.0 cannot carry at all (even escaped); echoed user input may hold them. */
// eslint-disable-next-line no-control-regex -- these control characters are exactly what must be replaced
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) => ESCAPES[c] ?? c).replace(NOT_XML, '\uFFFD');
}

/** AWS timestamps: ISO-8601 in UTC without milliseconds. */
export function isoTimestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function renderValue(v: XmlValue, out: string[]): void {
  if (v === undefined || v === null) return;
  if (typeof v === 'string') out.push(escapeXml(v));
  else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else if (v instanceof Date) out.push(isoTimestamp(v));
  else if (v instanceof XmlMap) {
    for (const [k, val] of v.entries) {
      out.push('<entry><key>', escapeXml(k), '</key><value>');
      renderValue(val, out);
      out.push('</value></entry>');
    }
  } else if (Array.isArray(v)) {
    for (const item of v as readonly XmlValue[]) {
      out.push('<member>');
      renderValue(item, out);
      out.push('</member>');
    }
  } else renderFields(v as { readonly [name: string]: XmlValue }, out);
}

function renderFields(fields: { readonly [name: string]: XmlValue }, out: string[]): void {
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    out.push('<', name, '>');
    renderValue(value, out);
    out.push('</', name, '>');
  }
}

/** A success envelope; `result` undefined for operations without output (only ResponseMetadata). */
export function renderResponse(
  operation: string,
  namespace: string,
  requestId: string,
  result: { readonly [name: string]: XmlValue } | undefined,
): string {
  const out: string[] = [`<${operation}Response xmlns="${namespace}">`];
  if (result !== undefined) {
    out.push(`<${operation}Result>`);
    renderFields(result, out);
    out.push(`</${operation}Result>`);
  }
  out.push(
    '<ResponseMetadata><RequestId>',
    escapeXml(requestId),
    '</RequestId></ResponseMetadata>',
    `</${operation}Response>`,
  );
  return out.join('');
}

export function renderError(err: WireError, namespace: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${namespace}"><Error><Type>${err.type}</Type>` +
    `<Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error>` +
    `<RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`
  );
}
