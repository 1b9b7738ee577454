/** The decision engine: compile policies once, then decide requests exactly as AWS IAM would. */
export { compilePolicy } from './compile.js';
export { authorize } from './authorize.js';
export {
  indexedContext,
  parsedPrincipal,
  principalInfo,
  withPrincipalInfo,
  type PrincipalInfo,
} from './request.js';
export * from './types.js';
