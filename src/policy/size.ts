/**
 * IAM counts a policy's size without the whitespace outside strings, so that indentation costs nothing.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length
 */

/** Characters of `text` not counting whitespace outside JSON strings (escapes inside strings kept). */
export function policySizeWithoutWhitespace(text: string): number {
  let size = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      size++;
      if (c === 92 /* \ */ && i + 1 < text.length) {
        size++;
        i++;
      } else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
      size++;
    } else if (c !== 32 && c !== 9 && c !== 10 && c !== 13) size++;
  }
  return size;
}
