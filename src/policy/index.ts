/** The IAM policy language: parse and validate policy text into a typed document with positions. */
export { parsePolicy, splitOperator } from './parse.js';
export { printPolicy } from './print.js';
export { policySizeWithoutWhitespace } from './size.js';
export { parseArn, formatArn, arnAccount, type Arn } from './arn.js';
export { compileGlob, compileArnGlob, globMatch } from './wildcard.js';
export * from './types.js';
