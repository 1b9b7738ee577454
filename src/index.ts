/**
 * rolecall as a library: parse and validate IAM policies, compile them, and decide requests exactly as
 * AWS IAM would. See README.md for an example.
 */
export * from './errors.js';
export { parsePolicy, parseArn, formatArn } from './policy/index.js';
export type * from './policy/types.js';
export * from './eval/index.js';
export * from './scenario/index.js';
