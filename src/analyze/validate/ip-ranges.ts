/**
 * IP conditions: `aws:SourceIp` holds the public address a request came from, so private ranges in it
 * never match (use `aws:VpcSourceIp`), and a CIDR block with host bits set is read as its network.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip
 */
import { cidrContains, parseCidr, type Cidr } from '../../eval/ip.js';
import type { ValidateCode } from './checks.js';
import type { CheckInput, Report } from './pack.js';

// RFC 1918 and RFC 4193 ranges.
const PRIVATE = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'].map((c) => parseCidr(c)!);

function isPrivate(c: Cidr): boolean {
  return PRIVATE.some(
    (p) => p.v6 === c.v6 && p.mask <= c.mask && cidrContains(p, { v6: c.v6, value: c.network }),
  );
}

export function checkIpRanges(input: CheckInput, report: Report<ValidateCode>): void {
  for (const s of input.doc.statements) {
    for (const c of s.conditions) {
      if (c.baseOperator !== 'IpAddress' && c.baseOperator !== 'NotIpAddress') continue;
      const blocks: Cidr[] = [];
      for (const v of c.values) {
        const cidr = parseCidr(v.value);
        if (!cidr) {
          if (!v.value.includes('${'))
            report('TYPE_MISMATCH_IP_RANGE', v.pos, `\`${v.value}\` is not an IP address or CIDR block`, s);
          continue;
        }
        blocks.push(cidr);
        const slash = v.value.indexOf('/');
        const ip = parseCidr(slash < 0 ? v.value : v.value.slice(0, slash));
        if (slash >= 0 && ip && ip.network !== cidr.network)
          report(
            'IMPROVE_IP_RANGE',
            v.pos,
            `the host bits of \`${v.value}\` are ignored; it is the block of its network address`,
            s,
          );
      }
      if (c.keyLower !== 'aws:sourceip' || blocks.length === 0) continue;
      const priv = blocks.filter(isPrivate).length;
      if (priv === 0) continue;
      const not = c.baseOperator === 'NotIpAddress';
      const all = priv === blocks.length;
      const code: ValidateCode = all
        ? not
          ? 'PRIVATE_NOT_IP_ADDRESS'
          : 'PRIVATE_IP_ADDRESS'
        : not
          ? 'PRIVATE_NOT_IP_ADDRESS_SUBSET'
          : 'PRIVATE_IP_ADDRESS_SUBSET';
      report(
        code,
        c.pos,
        all
          ? `\`aws:SourceIp\` never holds a private address, so \`${c.operator}\` ${not ? 'always' : 'never'} matches; use \`aws:VpcSourceIp\``
          : `the private ranges under \`aws:SourceIp\` have no effect; use \`aws:VpcSourceIp\` for them`,
        s,
      );
    }
  }
}
