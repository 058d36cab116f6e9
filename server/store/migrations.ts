// The store's schema, as ordered migrations (issue 9). `PRAGMA user_version` records how many have run; at
// open, the ones after it run in order, each in its own transaction with the version bump, so a store
// written by any earlier packetwalk is brought forward and a half-applied step never stays.
// Append new steps at the end; never edit a step that has shipped.
import type Database from 'better-sqlite3';

export interface Migration {
  /** what the step does, for the error a failed step raises */
  what: string;
  up(db: Database.Database): void;
}

export const MIGRATIONS: Migration[] = [
  {
    what: 'diagnoses and pins (the schema of packetwalk 0.1, created with IF NOT EXISTS so 0.1 stores adopt it)',
    up(db) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS diagnoses (
          id TEXT PRIMARY KEY,
          created_at TEXT NOT NULL,
          from_ref TEXT NOT NULL,
          to_ref TEXT NOT NULL,
          context TEXT,
          verdict TEXT NOT NULL,
          cause TEXT,
          previous_id TEXT,
          seq INTEGER NOT NULL DEFAULT 0,
          json TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS diagnoses_created ON diagnoses(created_at);
        CREATE TABLE IF NOT EXISTS pins (
          id TEXT PRIMARY KEY,
          created_at TEXT NOT NULL,
          spec TEXT NOT NULL,
          state TEXT
        );
      `);
    },
  },
  {
    what: 'matrices (server/matrix/store.ts created it on first use before it was a step; IF NOT EXISTS adopts those stores)',
    up(db) {
      db.exec(`
        CREATE TABLE IF NOT EXISTS matrices (
          id TEXT PRIMARY KEY,
          created_at TEXT NOT NULL,
          namespaces TEXT NOT NULL,
          context TEXT,
          pinned INTEGER NOT NULL DEFAULT 0,
          json TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS matrices_created ON matrices(created_at);
      `);
    },
  },
];

/**
 * Runs the migrations after the store's `user_version`; returns the version it ends at.
 * Throws when the store was written by a newer packetwalk (its version is above ours): opening it would
 * risk reading rows we do not understand.
 */
export function migrate(db: Database.Database, steps: Migration[] = MIGRATIONS): number {
  const at = db.pragma('user_version', { simple: true }) as number;
  if (at > steps.length) {
    throw new Error(`the store's schema is version ${at}, newer than this packetwalk knows (${steps.length}): upgrade packetwalk or use another --data-dir`);
  }
  for (let v = at; v < steps.length; v++) {
    const step = steps[v];
    db.transaction(() => {
      step.up(db);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return steps.length;
}
