/**
 * Slow loads show progress on stderr when stderr is a terminal, and nothing when it is not: loading AWS
 * managed policies (a 77 MB data file) says so while it lasts and erases the line when done.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { channel } from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { showProgress } from '../../src/cli/progress.js';
import { LOAD_CHANNEL, type LoadEvent } from '../../src/load-events.js';
import { repoRoot } from '../helpers/paths.js';

const SHOW = ['policy', 'show', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--store', 'memory'];
/** The installed bin: the process tests are about what a process sees (a terminal or not). */
const bin = [process.execPath, path.join(repoRoot, 'bin/rolecall.cjs')];

describe('progress of slow loads', () => {
  it('on a terminal: a line while AWS managed policies load, erased when done', async () => {
    let out = '';
    let err = '';
    const status = await main(SHOW, { out: (s) => (out += s), err: (s) => (err += s), errIsTTY: true });
    assert.equal(status, 0, err);
    assert.match(out, /"Version": "2012-10-17"/);
    assert.equal(err, 'rolecall: loading AWS managed policies...\r\x1b[K');
  });

  // util-linux `script` runs the command on a pseudo-terminal: the CLI sees a real TTY on stderr.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it(
    'in a real pseudo-terminal, the CLI detects the terminal itself',
    { skip: hasScript ? false : 'util-linux `script` is not installed: no pseudo-terminal to run in' },
    () => {
      const command = [...bin, ...SHOW].map((a) => `'${a}'`).join(' ');
      const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stdout);
      assert.ok(r.stdout.includes('rolecall: loading AWS managed policies...\r\x1b[K'), r.stdout);
    },
  );

  it('an error or output written while the line is shown erases it first: nothing shares its line', () => {
    const load = channel(LOAD_CHANNEL);
    const publish = (phase: LoadEvent['phase']) =>
      load.publish({ what: 'AWS managed policies', phase } satisfies LoadEvent);
    const terminal: string[] = [];
    const progress = showProgress((s) => terminal.push(s));
    const err = progress.clearing((s) => terminal.push(s));
    const out = progress.clearing((s) => terminal.push(`stdout:${s}`));
    try {
      publish('start');
      err('rolecall: NoSuchEntity: boom\n');
      publish('done');
      publish('start');
      out('{}\n');
      out('more\n');
    } finally {
      progress.end();
    }
    assert.deepEqual(terminal, [
      'rolecall: loading AWS managed policies...',
      '\r\x1b[K',
      'rolecall: NoSuchEntity: boom\n',
      'rolecall: loading AWS managed policies...',
      '\r\x1b[K',
      'stdout:{}\n',
      'stdout:more\n',
    ]);
    // Ended: further loads show nothing.
    publish('start');
    assert.equal(terminal.length, 7);
  });

  it('when stderr is not a terminal: nothing', () => {
    const r = spawnSync(bin[0]!, [...bin.slice(1), ...SHOW], {
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"Version": "2012-10-17"/);
    assert.equal(r.stderr, '');
  });
});
