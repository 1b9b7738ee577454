/**
 * The JSON-with-positions parser every reader of policy and scenario text shares: jsonc-parser's parser
 * module alone. The package ships CommonJS in a UMD wrapper, which V8 compiles eagerly, and its entry point
 * also loads the formatter and the editor, which nothing here uses: requiring the parser module (and the
 * scanner it needs) directly halves what every CLI run that reads a policy pays before it parses a byte,
 * and `require` skips the ES-module wrapper Node would build around CommonJS on import.
 */
import { createRequire } from 'node:module';
import type * as Jsonc from 'jsonc-parser';

export type { Node, ParseError, Segment } from 'jsonc-parser';

const parser = createRequire(import.meta.url)('jsonc-parser/lib/umd/impl/parser.js') as Pick<
  typeof Jsonc,
  'findNodeAtLocation' | 'parseTree'
>;

export const { findNodeAtLocation, parseTree } = parser;

/** The names of jsonc-parser's `ParseErrorCode` values (its entry point's `printParseErrorCode`). */
const PARSE_ERROR_NAMES = [
  'InvalidSymbol',
  'InvalidNumberFormat',
  'PropertyNameExpected',
  'ValueExpected',
  'ColonExpected',
  'CommaExpected',
  'CloseBraceExpected',
  'CloseBracketExpected',
  'EndOfFileExpected',
  'InvalidCommentToken',
  'UnexpectedEndOfComment',
  'UnexpectedEndOfString',
  'UnexpectedEndOfNumber',
  'InvalidUnicode',
  'InvalidEscapeCharacter',
  'InvalidCharacter',
] as const;

export function printParseErrorCode(code: Jsonc.ParseErrorCode): string {
  return PARSE_ERROR_NAMES[code - 1] ?? '<unknown ParseErrorCode>';
}
