// The project's own scenario corpus: one file per AWS documentation page, each case citing its page.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadScenarioFile, runScenario, type Scenario } from '../src/scenario/index.js';
import { repoRoot } from './helpers/paths.js';

const dir = path.join(repoRoot, 'test/scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const corpus = files.map((f) => ({ file: f, cases: loadScenarioFile(path.join(dir, f)) }));
const all: Scenario[] = corpus.flatMap((c) => c.cases);

describe('scenario corpus', () => {
  it('has at least 300 cases in at least 15 page groups', () => {
    assert.ok(all.length >= 300, `${all.length} cases`);
    assert.ok(files.length >= 15, `${files.length} files`);
  });

  it('cites an AWS documentation page in every case, and names are unique per file', () => {
    for (const { file, cases } of corpus) {
      const names = new Set<string>();
      for (const s of cases) {
        assert.match(String(s.source), /^https:\/\/docs\.aws\.amazon\.com\//, `${file}: ${s.name}`);
        assert.ok(!names.has(s.name), `${file}: duplicate name ${s.name}`);
        names.add(s.name);
      }
    }
  });
});

for (const { file, cases } of corpus) {
  describe(`scenarios ${file}`, () => {
    for (const s of cases) {
      it(s.name, () => {
        const r = runScenario(s, { explain: true });
        assert.deepEqual(r.invalidPolicies, undefined, 'policies of the case must parse');
        assert.equal(r.decision, s.expect, `${String(s.source)}\n${JSON.stringify(r.explanation, null, 1)}`);
      });
    }
  });
}
