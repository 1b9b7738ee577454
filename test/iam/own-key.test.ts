// Keys that come from input are written as own keys, `__proto__` included: the object's prototype never
// changes and the key is never dropped.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignOwn, setOwn } from '../../src/own-key.js';
import { parseSource, plain } from '../../src/iam/import/source.js';

describe('own keys from input', () => {
  it('setOwn keeps __proto__ as an own, enumerable key and leaves the prototype alone', () => {
    const o: Record<string, unknown> = {};
    setOwn(o, '__proto__', ['x']);
    setOwn(o, 'aws:SourceIp', '10.0.0.1');
    assert.equal(Object.getPrototypeOf(o), Object.prototype);
    assert.deepEqual(Object.keys(o), ['__proto__', 'aws:SourceIp']);
    assert.deepEqual(o['__proto__'], ['x']);
    assert.equal(JSON.stringify(o), '{"__proto__":["x"],"aws:SourceIp":"10.0.0.1"}');
    // a spread copies it as a key too
    assert.deepEqual(Object.keys({ ...o }), ['__proto__', 'aws:SourceIp']);
  });

  it('assignOwn copies every key, __proto__ included, and the later value wins', () => {
    const source = JSON.parse('{"__proto__":"y","b":"2"}') as Record<string, string>;
    const target: Record<string, string> = { b: '1' };
    assignOwn(target, source);
    assert.equal(Object.getPrototypeOf(target), Object.prototype);
    assert.deepEqual(target, source);
  });

  it('a template mapping with a __proto__ key reads as that key, not as a prototype', () => {
    const node = parseSource('Properties:\n  __proto__:\n    Admin: true\n  Name: r\n', 'template.yaml');
    const read = plain(node) as { Properties: Record<string, unknown> };
    assert.equal(Object.getPrototypeOf(read.Properties), Object.prototype);
    assert.deepEqual(Object.keys(read.Properties), ['__proto__', 'Name']);
    assert.equal((read.Properties as { Admin?: unknown }).Admin, undefined);
  });
});
