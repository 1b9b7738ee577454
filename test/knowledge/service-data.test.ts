/**
 * hasAction finds an action in a service's file without parsing it: it must answer as the parsed data
 * does, for every action of a service (any case), and refuse a name or service that the data lacks.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { iamDataDir } from '../../src/knowledge/iam-data-dir.js';
import { hasAction, serviceActions } from '../../src/knowledge/service-data.js';

/** The action names of a service, read here: serviceActions would keep them for hasAction to use. */
function actionNames(service: string): string[] {
  const file = path.join(iamDataDir(), 'actions', `${service}.json`);
  return Object.values(JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { name: string }>).map(
    (a) => a.name,
  );
}

describe('hasAction', () => {
  it('finds every action of several services in their files, in any case, as the parsed data does', () => {
    // vpc-lattice has an action with a hyphen in its name.
    for (const service of ['s3', 'iam', 'sts', 'kms', 'vpc-lattice']) {
      const names = actionNames(service);
      assert.ok(names.length > 0, service);
      // Found in the file's bytes: nothing has parsed the service's data in this process yet.
      for (const name of names) {
        assert.equal(hasAction(service, name), true, `${service}:${name}`);
        assert.equal(hasAction(service.toUpperCase(), name.toLowerCase()), true, `${service}:${name}`);
      }
      // A name the file lacks is answered by the parsed data, which must be the same list.
      assert.equal(hasAction(service, `${names[0]}Nope`), false, service);
      assert.deepEqual(serviceActions(service), names);
      for (const name of names) assert.equal(hasAction(service, name), true, `${service}:${name} (parsed)`);
    }
  });

  it('refuses names and services the data lacks, wildcards and text that is no name', () => {
    for (const [service, name] of [
      ['s3', 'GetObjekt'],
      ['s3', 'Get*'],
      ['s3', 'GetObject?'],
      ['s3', ''],
      ['s3', 'getobject": {'],
      ['s3', 'name'],
      ['ec2', 'resourceTypes'],
      ['s4', 'GetObject'],
      ['../actions/s3', 'GetObject'],
    ] as const)
      assert.equal(hasAction(service, name), false, `${service}:${name}`);
  });
});
