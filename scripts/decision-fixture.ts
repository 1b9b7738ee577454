/**
 * The commands a user runs first, written once for the two places that run them as a user would: the
 * start-up bench (bench/startup.ts) times them, and the bin's build (scripts/build-cli.ts) runs them to
 * fill its code cache. The same files and arguments in both keep the bench measuring what the cache holds.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface DecisionFixture {
  /** An identity policy file allowing s3:GetObject on emr-logs. */
  policy: string;
  /** The SQLite store the setup commands fill. */
  store: string;
  /** The commands that put a role with that policy into the store, in order. */
  setup: string[][];
  /** A request the policy allows: `simulate --policy <policy>` or `--store <store>` followed by these. */
  request: string[];
}

/** Writes the fixture's files into `dir` (which must exist) and returns them with their commands. */
export function writeDecisionFixture(dir: string): DecisionFixture {
  const role = 'EMR_DefaultRole';
  const policy = path.join(dir, 'policy.json');
  const trust = path.join(dir, 'trust.json');
  const store = path.join(dir, 'rolecall.db');
  fs.writeFileSync(
    policy,
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::emr-logs/*' }],
    }),
  );
  fs.writeFileSync(
    trust,
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'elasticmapreduce.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    }),
  );
  return {
    policy,
    store,
    setup: [
      ['role', 'create', role, '--store', store, '--trust-policy', trust],
      ['role', 'put-policy', role, 'logs', policy, '--store', store],
    ],
    request: [
      '--principal',
      `arn:aws:iam::123456789012:role/${role}`,
      '--action',
      's3:GetObject',
      '--resource',
      'arn:aws:s3:::emr-logs/j-1/stdout',
    ],
  };
}
