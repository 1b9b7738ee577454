/**
 * Numbered schema migrations, run at start in one transaction each. Never edit a shipped migration: add
 * the next number. Version 1 is the keyed record table every backend shares.
 */
export interface Migration {
  version: number;
  description: string;
  sqlite: string[];
  postgres: string[];
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'keyed JSON records per table',
    sqlite: [
      'CREATE TABLE records (tbl TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (tbl, key)) WITHOUT ROWID',
    ],
    postgres: [
      'CREATE TABLE records (tbl TEXT NOT NULL, key TEXT COLLATE "C" NOT NULL, value TEXT NOT NULL, PRIMARY KEY (tbl, key))',
    ],
  },
  {
    version: 2,
    description: 'a revision counter bumped by every write, so caches in other processes notice changes',
    sqlite: [
      'CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL)',
      'INSERT INTO revision VALUES (1, 0)',
    ],
    postgres: [
      'CREATE TABLE revision (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL)',
      'INSERT INTO revision VALUES (1, 0)',
    ],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
