/**
 * The in-process runner of the CLI tests: a worker that dies mid-call fails that call at once with the
 * worker's error (instead of blocking the test for the runner's two-minute timeout), and the next call
 * gets a new worker.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliRunner } from '../helpers/cli.js';

const dying = cliRunner(pathToFileURL(path.join(import.meta.dirname, 'fixtures/dying-cli-worker.ts')).href);

// A hang would be this test's failure: the timeout stops it well before the runner's own.
describe('runCli when its worker dies', { timeout: 60_000 }, () => {
  it('a worker that exits fails the pending call with its exit code', () => {
    assert.deepEqual(dying(['ok']), { status: 0, stdout: 'ok\n', stderr: '' });
    const r = dying(['exit']);
    assert.equal(r.status, -1);
    assert.match(r.stderr, /^worker died: exited with code 7\n$/);
    assert.deepEqual(dying(['ok']), { status: 0, stdout: 'ok\n', stderr: '' }, 'a new worker answers');
  });

  it('an uncaught error in the worker fails the pending call with that error', () => {
    const r = dying(['throw']);
    assert.equal(r.status, -1);
    assert.match(r.stderr, /^worker died: rolecall throw: Error: stray callback failed\n/);
    const rejected = dying(['reject']);
    assert.match(rejected.stderr, /nobody awaited this/);
    assert.deepEqual(dying(['ok']), { status: 0, stdout: 'ok\n', stderr: '' });
  });
});
