/**
 * Policy variables: `${name}` or `${name, 'default'}`, only in Resource and String/ARN condition values,
 * and only with `"Version": "2012-10-17"` (otherwise the text is literal).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */
import type { Located, Statement } from '../../policy/index.js';
import type { ValidateCode } from './checks.js';
import type { CheckInput, Report } from './pack.js';

function syntax(v: Located, s: Statement, report: Report<ValidateCode>): void {
  let i = 0;
  while ((i = v.value.indexOf('${', i)) >= 0) {
    const end = v.value.indexOf('}', i);
    if (end < 0) {
      report(
        'MISSING_BRACE_IN_VARIABLE',
        v.pos,
        `the policy variable in \`${v.value}\` has no closing \`}\``,
        s,
      );
      return;
    }
    const body = v.value.slice(i + 2, end);
    i = end + 1;
    if (body.trim() === '') {
      report('EMPTY_VARIABLE', v.pos, `\`\${}\` in \`${v.value}\` names no variable`, s);
      continue;
    }
    if (body === '*' || body === '?' || body === '$') continue;
    const comma = body.indexOf(',');
    const name = comma < 0 ? body : body.slice(0, comma);
    if (/\s/.test(name))
      report('UNSUPPORTED_SPACE_IN_VARIABLE', v.pos, `variable name \`${name}\` contains a space`, s);
    if (comma >= 0 && !/^\s*'.*'\s*$/.test(body.slice(comma + 1)))
      report(
        'MISSING_QUOTE_IN_VARIABLE',
        v.pos,
        `the default of \`\${${body}}\` must be in single quotes`,
        s,
      );
  }
}

export function checkVariables(input: CheckInput, report: Report<ValidateCode>): void {
  const versioned = input.doc.version === '2012-10-17';
  for (const s of input.doc.statements) {
    const inElements = [
      ...(s.action ?? []),
      ...(s.notAction ?? []),
      ...[s.principal, s.notPrincipal].flatMap((p) => p?.entries.flatMap((e) => e.values) ?? []),
    ];
    for (const v of inElements)
      if (v.value.includes('${'))
        report(
          'VARIABLE_UNSUPPORTED_IN_ELEMENT',
          v.pos,
          `policy variables work only in Resource and Condition, not in \`${v.value}\``,
          s,
        );
    const supported = [
      ...(s.resource ?? []),
      ...(s.notResource ?? []),
      ...s.conditions.flatMap((c) => c.values),
    ];
    for (const v of supported) {
      if (!v.value.includes('${')) continue;
      if (!versioned) {
        report(
          'VARIABLE_UNSUPPORTED_IN_VERSION',
          v.pos,
          `\`${v.value}\` is literal text without \`"Version": "2012-10-17"\``,
          s,
        );
        continue;
      }
      syntax(v, s, report);
    }
  }
}
