// The wildcard matchers against a regular-expression reference, and ARN part-by-part matching.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  arnColons,
  compileArnGlob,
  compileArnPartsGlob,
  compileGlob,
  globMatch,
  matchArnPattern,
} from '../../src/policy/wildcard.js';

function reference(pattern: string, value: string, flags = ''): boolean {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, `s${flags}`).test(value);
}

const pattern = fc.stringMatching(/^[abA*?:/]{0,8}$/);
const value = fc.stringMatching(/^[abAB:/]{0,10}$/);

describe('wildcards', () => {
  it('globMatch agrees with a regular-expression reference', () => {
    fc.assert(
      fc.property(pattern, value, (p, v) => assert.equal(globMatch(p, v), reference(p, v), `${p} ~ ${v}`)),
      { numRuns: 20000 },
    );
  });

  it('compiled matchers (exact, prefix, suffix, general) agree with the reference, with and without case', () => {
    fc.assert(
      fc.property(pattern, value, fc.boolean(), (p, v, ignoreCase) =>
        assert.equal(
          compileGlob(p, ignoreCase)(ignoreCase ? v.toLowerCase() : v),
          reference(p, v, ignoreCase ? 'i' : ''),
          `${p} ~ ${v} (${ignoreCase})`,
        ),
      ),
      { numRuns: 20000 },
    );
  });

  /** Part by part with regular expressions: the first five colons split, the rest stays whole. */
  function arnReference(p: string, v: string): boolean {
    if (p === '*') return true;
    const split = (x: string) => {
      const parts = x.split(':');
      return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
    };
    const ps = split(p);
    const vs = split(v);
    if (!ps) return reference(p, v);
    if (!vs) return false;
    return ps.every((part, i) => reference(part, vs[i]!));
  }
  const arnPattern = fc
    .array(fc.stringMatching(/^[ab*?/]{0,3}$/), { minLength: 1, maxLength: 7 })
    .map((parts) => parts.join(':'));
  const arnValue = fc
    .array(fc.stringMatching(/^[ab/]{0,3}$/), { minLength: 1, maxLength: 7 })
    .map((parts) => parts.join(':'));

  it('ARN matching, compiled and at decision time, agrees with a part-by-part regular-expression reference', () => {
    fc.assert(
      fc.property(arnPattern, arnValue, (p, v) => {
        const expected = arnReference(p, v);
        assert.equal(compileArnGlob(p)(v), expected, `${p} ~ ${v}`);
        assert.equal(compileArnPartsGlob(p)(v, arnColons(v)), expected, `${p} ~ ${v} (parts)`);
        assert.equal(matchArnPattern(p, v, arnColons(v)), expected, `${p} ~ ${v} (resolved)`);
      }),
      { numRuns: 20000 },
    );
  });

  const cases: [string, string, boolean][] = [
    // ArnLike checks each of the six parts on its own: `*` does not run across a colon there.
    ['arn:aws:sns:us-east-1:111122223333:topic-?', 'arn:aws:sns:us-east-1:111122223333:topic-1', true],
    ['arn:aws:sns:us-east-1:111122223333:topic-?', 'arn:aws:sns:us-east-1:111122223333:topic-10', false],
    ['arn:aws:s3:::*log*', 'arn:aws:s3:::carlossalazar-logs/file.txt', true],
    ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:us-east-1:111122223333:instance/i-1', true],
    ['arn:aws:ec2:*:*:instance/*', 'arn:aws:ec2:us-east-1:111122223333:volume/v-1', false],
    ['arn:*:ec2:us-*:*:*', 'arn:aws:ec2:us-east-1:111122223333:instance/i-1', true],
    [
      'arn:aws:logs:*:*:log-group:app:*',
      'arn:aws:logs:us-east-1:111122223333:log-group:app:log-stream:s1',
      true,
    ],
    ['arn:aws:s3:::Bucket/*', 'arn:aws:s3:::bucket/x', false],
    ['*', 'anything at all', true],
  ];
  for (const [p, v, expected] of cases) {
    it(`ARN ${p} ${expected ? 'matches' : 'does not match'} ${v}`, () =>
      assert.equal(compileArnGlob(p)(v), expected));
  }
});
