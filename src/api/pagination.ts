/**
 * AWS's list pagination: `MaxItems` (1–1000, default 100) and an opaque `Marker`; the result carries
 * `IsTruncated` and, only when truncated, the `Marker` to send next.
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html
 */
import { RolecallError } from '../errors.js';
import type { QueryParams } from './form.js';

export interface Page<T> {
  items: T[];
  isTruncated: boolean;
  marker?: string;
}

/**
 * Pages a list whose `keyOf` is unique. The marker names the last key returned and the next page starts
 * right after that item, so a page stays correct when items before it are added or deleted between calls,
 * whatever the list's order (ListRoles is ordered by name, its key is path and name). When the marked item
 * itself is gone, the page starts at the first greater key, which is exact for lists sorted by their key.
 */
export function paginate<T>(all: readonly T[], keyOf: (item: T) => string, params: QueryParams): Page<T> {
  const maxItems = params.int('MaxItems', { min: 1, max: 1000 }) ?? 100;
  const marker = params.string('Marker');
  let start = 0;
  if (marker !== undefined) {
    const after = decodeMarker(marker);
    const at = all.findIndex((item) => keyOf(item) === after);
    start = at >= 0 ? at + 1 : all.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = all.length;
  }
  const items = all.slice(start, start + maxItems);
  const isTruncated = start + maxItems < all.length;
  const last = items[items.length - 1];
  return isTruncated && last !== undefined
    ? { items, isTruncated, marker: encodeMarker(keyOf(last)) }
    : { items, isTruncated };
}

function encodeMarker(key: string): string {
  return Buffer.from(`v1:${key}`, 'utf8').toString('base64url');
}

function decodeMarker(marker: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(marker) ? Buffer.from(marker, 'base64url').toString('utf8') : '';
  if (!text.startsWith('v1:')) {
    throw new RolecallError('InvalidInput', 'Invalid Marker');
  }
  return text.slice(3);
}

/** The members every paginated result ends with. */
export function pageTail(page: Page<unknown>): { IsTruncated: boolean; Marker?: string } {
  return page.marker !== undefined
    ? { IsTruncated: page.isTruncated, Marker: page.marker }
    : { IsTruncated: page.isTruncated };
}
