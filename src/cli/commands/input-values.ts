/**
 * Checks of the values the CLI takes on its command line (account ids, ARNs, principals, action names)
 * before anything is decided or written, so that a typo is a one-line error with a suggestion instead
 * of a silent deny, an Allow for nobody in particular, or a written file.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
import { arnProblem } from '../../analyze/validate/arn-checks.js';
import { nearestAction } from '../../analyze/validate/actions.js';
import { actionsMatching, hasAction } from '../../knowledge/service-data.js';
import { RolecallError } from '../../errors.js';

const fail = (message: string): never => {
  throw new RolecallError('InvalidInput', message);
};

/** A 12-digit account id. */
export function accountId(value: string, flag: string): string {
  if (!/^\d{12}$/.test(value))
    fail(
      `\`${flag}\` takes a 12-digit account id, not \`${value}\`${/^\d+$/.test(value) ? ` (${value.length} digits)` : ''}; for example \`123456789012\``,
    );
  return value;
}

/** A well-formed ARN (of `service` when given) with a 12-digit account where it names one. */
export function arnValue(value: string, flag: string, service?: string): string {
  if (value === '*') fail(`\`${flag}\` takes an ARN, not \`*\``);
  const problem = arnProblem(value);
  if (problem) fail(`\`${flag}\`: ${problem.message}`);
  const parts = value.split(':');
  if (service && parts[2] !== service)
    fail(
      `\`${flag}\` takes an ARN of \`${service}\`, not of \`${parts[2] ?? ''}\`; for example \`arn:aws:${service}:...\``,
    );
  return value;
}

const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*\.(amazonaws\.com(\.cn)?|amazon\.com)$/;

/** A principal: an IAM or STS ARN with a 12-digit account, an account id, or a service principal name. */
export function principalValue(value: string, flag: string): string {
  if (SERVICE_PRINCIPAL.test(value) || /^\d{12}$/.test(value)) return value;
  if (!value.startsWith('arn:'))
    fail(
      `\`${flag}\` takes a principal ARN (\`arn:aws:iam::123456789012:role/NAME\`), an account id or a service principal such as \`elasticmapreduce.amazonaws.com\`, not \`${value}\``,
    );
  arnValue(value, flag);
  const [, , service, , account] = value.split(':');
  if (service !== 'iam' && service !== 'sts')
    fail(`\`${flag}\`: \`${value}\` is not an IAM or STS principal ARN`);
  if (!/^\d{12}$/.test(account ?? ''))
    fail(`\`${flag}\`: the account of \`${value}\` must be a 12-digit account id`);
  return value;
}

/** An action name `service:Action` that exists in AWS's service data (wildcards allowed when asked). */
export function actionValue(value: string, flag: string): string {
  const colon = value.indexOf(':');
  if (colon <= 0) {
    const m = /^([a-z0-9-]+?)([A-Z].*)$/.exec(value);
    const guess =
      m && actionsMatching(`${m[1]}:${m[2]}`)?.length ? `; did you mean \`${m[1]}:${m[2]}\`?` : '';
    fail(`\`${flag}\` takes \`service:Action\`, for example \`s3:GetObject\`, not \`${value}\`${guess}`);
  }
  const service = value.slice(0, colon);
  // The usual case, a name of the data, is answered without reading the service's whole data.
  if (hasAction(service, value.slice(colon + 1))) return value;
  const matched = actionsMatching(value);
  if (matched === undefined) fail(`\`${flag}\`: service \`${service}\` of \`${value}\` does not exist`);
  if (matched?.length === 0) {
    const near = nearestAction(service, value.slice(colon + 1));
    fail(
      `\`${flag}\`: \`${value}\` is not an action of \`${service}\`${near ? `; did you mean \`${service}:${near}\`?` : ''}`,
    );
  }
  return value;
}
