/**
 * The JSON-with-positions parser every reader of policy and scenario text shares. jsonc-parser ships
 * CommonJS only: loaded through `require`, it skips the ES-module wrapper Node builds around a CommonJS
 * package on import (a lexer pass over each of its files), a third of the parser's start-up cost, which
 * every CLI run that reads a policy pays.
 */
import { createRequire } from 'node:module';
import type * as Jsonc from 'jsonc-parser';

export type { Node, ParseError, Segment } from 'jsonc-parser';

const jsonc = createRequire(import.meta.url)('jsonc-parser') as typeof Jsonc;

export const { findNodeAtLocation, parseTree, printParseErrorCode } = jsonc;
