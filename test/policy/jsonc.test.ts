/** The parser module loaded alone agrees with jsonc-parser's entry point on trees and error names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as entry from 'jsonc-parser';
import { findNodeAtLocation, parseTree, printParseErrorCode } from '../../src/policy/jsonc.js';

test('parseTree, findNodeAtLocation and every error name match the package entry point', () => {
  const text = '{"a": [1, {"b": "c"}], // comment\n "d": }';
  const ours: entry.ParseError[] = [];
  const theirs: entry.ParseError[] = [];
  const tree = parseTree(text, ours);
  const plain = (n: entry.Node | undefined) =>
    JSON.stringify(n, (k, v: unknown) => (k === 'parent' ? undefined : v));
  assert.equal(plain(tree), plain(entry.parseTree(text, theirs)));
  assert.deepEqual(ours, theirs);
  assert.equal(findNodeAtLocation(tree!, ['a', 1, 'b'])?.value, 'c');
  for (let code = 1; code <= 17; code++)
    assert.equal(
      printParseErrorCode(code as entry.ParseErrorCode),
      entry.printParseErrorCode(code as entry.ParseErrorCode),
    );
});
