/**
 * Caches of the endpoint (credentials, callers' authorizations, the resolver's policy sets) kept fresh
 * the way the resolver is: dropped on every write committed by this process, and when the store's revision
 * shows a write by another process. The revision is checked before every request, from memory where the
 * store can answer without a query (its revision window, store/revision-window.ts), so a write another
 * server acknowledged is enforced by the next request here.
 */
import type { Store } from '../store/index.js';

export class Freshness {
  private readonly listeners: (() => void)[] = [];
  private revision: number | undefined;
  private readonly off: () => void;

  constructor(private readonly store: Store) {
    this.off = store.onCommit(() => this.invalidate());
  }

  /** Registers a cache's clear function. */
  add(clear: () => void): void {
    this.listeners.push(clear);
  }

  invalidate(): void {
    for (const clear of this.listeners) clear();
  }

  /**
   * Invalidates when another process wrote since the last check. Returns a promise only when it has to
   * wait for the store (it cannot tell its revision without a query just now); otherwise it is done when
   * it returns.
   */
  check(): Promise<void> | undefined {
    const rev = this.store.revisionNow?.();
    if (rev !== undefined) {
      this.seen(rev);
      return undefined;
    }
    return this.store.revision().then((r) => this.seen(r));
  }

  private seen(rev: number): void {
    if (this.revision !== undefined && rev !== this.revision) this.invalidate();
    this.revision = rev;
  }

  dispose(): void {
    this.off();
  }
}

/** A bounded map whose entries also expire after `ttlMs`. */
export class TtlCache<K, V> {
  private readonly map = new Map<K, { value: V; at: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  get(key: K, now = Date.now()): V | undefined {
    const hit = this.map.get(key);
    if (hit === undefined) return undefined;
    if (now - hit.at > this.ttlMs) {
      this.map.delete(key);
      return undefined;
    }
    return hit.value;
  }

  set(key: K, value: V, now = Date.now()): void {
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, { value, at: now });
  }

  clear(): void {
    this.map.clear();
  }
}
