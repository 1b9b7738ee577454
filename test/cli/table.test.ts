/**
 * Tables fit the terminal: with a width (a terminal's, or `COLUMNS`) the widest columns narrow and their
 * cells wrap inside the column; without one (piped) every row stays on one line, uncut.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { formatTable, outputWidth } from '../../src/cli/table.js';
import { runCli } from '../helpers/cli.js';

describe('formatTable', () => {
  const columns = ['NAME', 'TAGS'];
  const rows = [['app', 'team=data,owner=analytics-platform,cost-center=12345']];

  it('keeps rows on one line when there is no width or the table fits', () => {
    const one = 'NAME  TAGS\napp   team=data,owner=analytics-platform,cost-center=12345\n';
    assert.equal(formatTable(columns, rows), one);
    assert.equal(formatTable(columns, rows, 200), one);
  });

  it('wraps the widest column inside itself, at commas and hyphens first', () => {
    assert.equal(
      formatTable(columns, rows, 30),
      'NAME  TAGS\napp   team=data,\n      owner=analytics-\n      platform,cost-\n      center=12345\n',
    );
    for (const line of formatTable(columns, rows, 30).split('\n')) assert.ok(line.length <= 30, line);
  });

  it('never narrows a column below its header or eight characters', () => {
    const t = formatTable(['IDENTIFIER', 'X'], [['abcdefghijklmnop', 'y']], 5);
    assert.equal(t, 'IDENTIFIER  X\nabcdefghij  y\nklmnop\n');
  });

  it('takes COLUMNS, else the width of a terminal, else none', () => {
    assert.equal(outputWidth({ COLUMNS: '72' }, { isTTY: true, columns: 100 }), 72);
    assert.equal(outputWidth({}, { isTTY: true, columns: 100 }), 100);
    assert.equal(outputWidth({}, { isTTY: false, columns: 100 }), undefined);
    assert.equal(outputWidth({ COLUMNS: 'wide' }, {}), undefined);
  });
});

describe('a listing on a narrow terminal', () => {
  it('fits COLUMNS, and piped keeps one row per line', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-table-'));
    const trust = path.join(dir, 'trust.json');
    fs.writeFileSync(
      trust,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    );
    const store = ['--store', path.join(dir, 'rolecall.db')];
    const env = { ROLECALL_SECRET_KEY: '', COLUMNS: '' };
    const tags = ['--tag', 'team=data', '--tag', 'owner=analytics-platform', '--tag', 'cost-center=12345'];
    for (const name of ['etl-nightly-with-a-long-name', 'app'])
      runCli(
        [
          'role',
          'create',
          name,
          '--trust-policy',
          trust,
          '--path',
          '/service-role/',
          ...tags,
          '-q',
          ...store,
        ],
        {
          env,
        },
      );
    const piped = runCli(['role', 'list', ...store], { env });
    assert.equal(piped.status, 0, piped.stderr);
    assert.equal(piped.stdout.trimEnd().split('\n').length, 3, 'a header and one line per role');
    const narrow = runCli(['role', 'list', ...store], { env: { ...env, COLUMNS: '80' } });
    const lines = narrow.stdout.trimEnd().split('\n');
    assert.ok(lines.length > 3, 'cells wrapped');
    for (const line of lines) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
    assert.match(lines[0] ?? '', /^NAME +PATH +ID +CREATED +TAGS$/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
