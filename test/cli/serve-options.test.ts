/**
 * `rolecall serve`'s store options (and ROLECALL_REVISION_WINDOW_MS) are checked before anything is opened
 * or written: a value that is not whole milliseconds in range, or an option for another kind of store, is
 * one line with its code.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { storeSettings } from '../../src/cli/commands/serve.js';
import { runMain } from '../helpers/main.js';

const PG = 'postgres://postgres@127.0.0.1:5432/test';

/** `rolecall serve ARGS` in an empty folder: its result, and that the folder is still empty. */
async function serveRefused(...args: string[]): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rolecall-serve-options-'));
  try {
    const r = await runMain(['serve', '--port', '0', ...args.map((a) => a.replace('DIR', dir))]);
    assert.equal(r.status, 1, r.out);
    assert.equal(r.out, '');
    assert.deepEqual(fs.readdirSync(dir), []);
    return r.err;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('serve --statement-timeout', () => {
  for (const bad of ['5s', '-1', '1.5', '', '2147483648']) {
    it(`refuses \`${bad}\``, async () => {
      assert.equal(
        await serveRefused('--store', PG, '--statement-timeout', bad),
        `rolecall: UsageError: invalid \`--statement-timeout\` \`${bad}\`: whole milliseconds from 0 to 2147483647\n`,
      );
    });
  }

  it('is for a PostgreSQL store only', async () => {
    assert.equal(
      await serveRefused('--store', 'DIR/rolecall.db', '--statement-timeout', '1000'),
      'rolecall: UsageError: `--statement-timeout` is for a PostgreSQL store; this store is a SQLite file\n',
    );
    assert.equal(
      await serveRefused('--store', 'memory', '--statement-timeout', '1000'),
      'rolecall: UsageError: `--statement-timeout` is for a PostgreSQL store; this store is in memory\n',
    );
  });
});

describe('serve --revision-window', () => {
  for (const bad of ['1ms', '-1', '0.5', '', '60001']) {
    it(`refuses \`${bad}\``, async () => {
      assert.equal(
        await serveRefused('--store', 'DIR/rolecall.db', '--revision-window', bad),
        `rolecall: UsageError: invalid \`--revision-window\` \`${bad}\`: whole milliseconds from 0 to 60000\n`,
      );
    });
  }

  it('is for a SQLite or PostgreSQL store', async () => {
    assert.equal(
      await serveRefused('--store', 'memory', '--revision-window', '5'),
      'rolecall: UsageError: `--revision-window` is for a SQLite or PostgreSQL store; this store is in memory\n',
    );
  });

  it('refuses a bad ROLECALL_REVISION_WINDOW_MS before the store is created', async () => {
    const previous = process.env.ROLECALL_REVISION_WINDOW_MS;
    process.env.ROLECALL_REVISION_WINDOW_MS = 'soon';
    try {
      assert.equal(
        await serveRefused('--store', 'DIR/rolecall.db'),
        'rolecall: UsageError: invalid `ROLECALL_REVISION_WINDOW_MS` `soon`: whole milliseconds from 0 to 60000\n',
      );
    } finally {
      if (previous === undefined) delete process.env.ROLECALL_REVISION_WINDOW_MS;
      else process.env.ROLECALL_REVISION_WINDOW_MS = previous;
    }
  });
});

describe('serve store settings', () => {
  it('are what the options give, for the store they are for', () => {
    assert.deepEqual(storeSettings({ store: PG, statementTimeout: '300', revisionWindow: '5' }), {
      statementTimeoutMs: 300,
      revisionWindowMs: 5,
    });
    assert.deepEqual(storeSettings({ store: 'rolecall.db', revisionWindow: '0' }), { revisionWindowMs: 0 });
    // Unset: each backend's default (the revision window's from ROLECALL_REVISION_WINDOW_MS, when set).
    assert.deepEqual(storeSettings({ store: PG }), {});
  });
});
