/** Scenario files, format v1 (../../docs/scenario-format.md): the project's portable test vectors. */
import type { ContextValue, Decision, RequestPrincipal } from '../eval/types.js';

/** Policy documents as raw JSON values, as they appear in the file. */
export interface ScenarioPolicies {
  identity?: unknown[];
  resource?: unknown;
  boundary?: unknown;
  session?: unknown;
  scp?: unknown[][];
  rcp?: unknown[][];
}

export interface Scenario {
  name: string;
  policies: ScenarioPolicies;
  request: {
    principal: RequestPrincipal;
    action: string;
    resource: string;
    resourceAccount?: string;
    context?: Record<string, ContextValue>;
  };
  expect: Decision;
  /** Notes kept but ignored: source, why, confidence, ... */
  [note: string]: unknown;
}
