/**
 * Listing keys by prefix as a range, shared by the SQL backends. It lives apart from either backend so
 * that opening one never loads the other's driver.
 */

/** The smallest string greater than every string starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  return prefix + '\u{10FFFF}';
}
