/**
 * The Access Analyzer pack: every check of the policy check reference that can be decided offline,
 * run over one parsed policy. Grammar errors come from the parser (see grammar.ts).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
 */
import { checkActions } from './actions.js';
import { VALIDATE_CHECKS, type ValidateCode } from './checks.js';
import { checkConditions } from './conditions.js';
import { checkDocument } from './document.js';
import { checkIpRanges } from './ip-ranges.js';
import { definePack, type CheckPack } from './pack.js';
import { checkPermissions } from './permissions.js';
import { checkPrincipals } from './principals.js';
import { checkResources } from './resources.js';
import { checkVariables } from './variables.js';

export const accessAnalyzerPack: CheckPack = definePack<ValidateCode>(
  'access-analyzer',
  VALIDATE_CHECKS,
  (input, report) => {
    checkDocument(input, report);
    checkActions(input, report);
    checkResources(input, report);
    checkConditions(input, report);
    checkIpRanges(input, report);
    checkVariables(input, report);
    checkPrincipals(input, report);
    checkPermissions(input, report);
  },
);
