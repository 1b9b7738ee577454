/**
 * Writing a key that came from input (a request's context, a template, a query string) into a plain
 * object. `o[key] = value` with the key `__proto__` calls Object.prototype's setter: the object's
 * prototype changes (to an object or array value) or the write is dropped (any other value), and the key
 * is never the object's own. AWS treats `__proto__` as any other name, so a context key `__proto__` that
 * vanished would turn a `Null` condition on it into a wrong Allow. `setOwn` makes it an own, enumerable
 * key like any other, which spreads, `Object.keys`, `for...in` and JSON all see.
 */
export function setOwn<T>(o: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  } else o[key] = value;
}

/** `Object.assign(target, source)` for source keys that came from input (see `setOwn`). */
export function assignOwn<T>(
  target: Record<string, T>,
  source: Readonly<Record<string, T>>,
): Record<string, T> {
  for (const key of Object.keys(source)) setOwn(target, key, source[key]!);
  return target;
}
