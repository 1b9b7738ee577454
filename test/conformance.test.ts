// Every scenario of ../shared/conformance encodes AWS's answer; each runs as its own test.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadScenarioFile, runScenario } from '../src/scenario/index.js';
import { sharedDir } from './helpers/paths.js';

const dir = path.join(sharedDir, 'conformance');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

it('finds the shared conformance files', () => {
  assert.ok(files.length >= 2, `expected conformance files in ${dir}`);
});

for (const file of files) {
  describe(`conformance ${file}`, () => {
    for (const s of loadScenarioFile(path.join(dir, file))) {
      it(s.name, () => {
        const r = runScenario(s, { explain: true });
        assert.deepEqual(r.invalidPolicies, undefined, 'policies of the case must parse');
        assert.equal(
          r.decision,
          s.expect,
          `${JSON.stringify(s.source)}\n${JSON.stringify(r.explanation, null, 1)}`,
        );
        // The hot path (no explanation) must reach the same decision.
        assert.equal(runScenario(s).decision, s.expect, 'decision without explanation');
      });
    }
  });
}
