// The SQLite store (better-sqlite3, WAL): diagnoses (permalinks) and pinned paths (wallboard).
// One file, `<dataDir>/packetwalk.db`. Diagnoses are stored whole as JSON beside a few indexed columns;
// `seq` is the last hop:update folded in, so a reconnecting viewer knows where the stored copy stands.
import Database from 'better-sqlite3';
import { makeDir } from './dir';
import { randomBytes } from 'node:crypto';
import { guardDatabase, toStoreError } from './errors';
import { join } from 'node:path';
import type { Diagnosis } from '../../lib/model';
import type { PinSpec, PinState } from '../../lib/wall';
import { migrate } from './migrations';
import { diagnosisRow, pinSpecRow, pinStateRow } from './rows';

export interface StoredDiagnosis {
  diagnosis: Diagnosis;
  seq: number;
}

export interface DiagnosisListItem {
  id: string;
  createdAt: string;
  from: string;
  to: string;
  context: string | null;
  verdict: Diagnosis['verdict'];
  cause: string | null;
}

export class Store {
  readonly db: Database.Database;

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, compiled once per store and reused (better-sqlite3 statements are reusable). */
  protected prep(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** the database file, named in every storage error */
  readonly file: string;

  /** Opens (or makes) `<dataDir>/packetwalk.db`. Throws StoreError (server/store/errors.ts) when it cannot: a sentence with the file and the fix. */
  constructor(readonly dataDir: string) {
    this.file = join(dataDir, 'packetwalk.db');
    try {
      makeDir(dataDir);
      // every query through this handle turns disk-full / read-only / corrupt failures into StoreError
      this.db = guardDatabase(new Database(this.file), this.file);
    } catch (e) {
      throw toStoreError(e, this.file) ?? e;
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 3000');
    // a wall re-probing for days rewrites pin states constantly: keep the WAL from staying large after checkpoints
    this.db.pragma('journal_size_limit = 4194304');
    migrate(this.db);
  }

  /**
   * This store's server instance id (12 lowercase letters/digits, a valid label value), made once and kept
   * in the `meta` table: node debug pods carry it (packetwalk.dev/instance) so a restarted server finds the
   * ones its crashed predecessor left, whatever their age.
   */
  instanceId(): string {
    this.db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'instance_id'").get() as { value: string } | undefined;
    if (row) return row.value;
    const id = Array.from(randomBytes(12), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
    this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('instance_id', ?)").run(id);
    return (this.db.prepare("SELECT value FROM meta WHERE key = 'instance_id'").get() as { value: string }).value;
  }

  saveDiagnosis(d: Diagnosis, seq: number): void {
    this
      .prep(
        `INSERT INTO diagnoses (id, created_at, from_ref, to_ref, context, verdict, cause, previous_id, seq, json)
         VALUES (@id, @createdAt, @from, @to, @context, @verdict, @cause, @previousId, @seq, @json)
         ON CONFLICT(id) DO UPDATE SET verdict=excluded.verdict, cause=excluded.cause, seq=excluded.seq, json=excluded.json`,
      )
      .run({
        id: d.id,
        createdAt: d.createdAt,
        from: d.spec.from,
        to: d.spec.to,
        context: d.spec.context ?? null,
        verdict: d.verdict,
        cause: d.firstFailure?.cause ?? null,
        previousId: d.previousId ?? null,
        seq,
        json: JSON.stringify(d),
      });
  }

  getDiagnosis(id: string): StoredDiagnosis | null {
    const row = this.prep('SELECT json, seq FROM diagnoses WHERE id = ?').get(id) as { json: string; seq: number } | undefined;
    return row ? { diagnosis: diagnosisRow(row.json, id, this.file), seq: row.seq } : null;
  }

  listDiagnoses(limit = 20): DiagnosisListItem[] {
    const rows = this
      .prep('SELECT id, created_at, from_ref, to_ref, context, verdict, cause FROM diagnoses ORDER BY created_at DESC LIMIT ?')
      .all(limit) as { id: string; created_at: string; from_ref: string; to_ref: string; context: string | null; verdict: Diagnosis['verdict']; cause: string | null }[];
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, from: r.from_ref, to: r.to_ref, context: r.context, verdict: r.verdict, cause: r.cause }));
  }

  /** Targets typed recently (newest first, distinct), for the target box's suggestions. */
  recentTargets(limit = 10): string[] {
    const rows = this
      .prep('SELECT to_ref, MAX(created_at) AS t FROM diagnoses GROUP BY to_ref ORDER BY t DESC LIMIT ?')
      .all(limit) as { to_ref: string }[];
    return rows.map((r) => r.to_ref);
  }

  /** On start-up: runs the previous process left `running` can no longer finish. Keeps what they had. */
  markInterrupted(now = new Date().toISOString()): number {
    const rows = this.prep("SELECT id, json, seq FROM diagnoses WHERE verdict = 'running'").all() as { id: string; json: string; seq: number }[];
    const tx = this.db.transaction(() => {
      for (const r of rows) {
        let d: Diagnosis;
        try {
          d = diagnosisRow(r.json, r.id, this.file);
        } catch {
          continue; // an unreadable row stays as it is: reading it says why (getDiagnosis), start-up goes on
        }
        const hops = d.hops.map((h) => (h.status === 'running' || h.status === 'pending' ? { ...h, status: 'skip' as const, summary: h.summary || 'not probed: the server stopped mid-run' } : h));
        this.saveDiagnosis({ ...d, hops, verdict: 'interrupted', finishedAt: now, summary: 'The server stopped before this run finished; the hops show what it had found.' }, r.seq);
      }
    });
    tx();
    return rows.length;
  }

  addPin(spec: PinSpec): void {
    this.prep('INSERT INTO pins (id, created_at, spec, state) VALUES (?, ?, ?, NULL)').run(spec.id, spec.createdAt, JSON.stringify(spec));
  }

  removePin(id: string): boolean {
    return this.prep('DELETE FROM pins WHERE id = ?').run(id).changes > 0;
  }

  listPins(): { spec: PinSpec; state: PinState | null }[] {
    const rows = this.prep('SELECT id, spec, state FROM pins ORDER BY created_at, id').all() as { id: string; spec: string; state: string | null }[];
    return rows.map((r) => ({ spec: pinSpecRow(r.spec, this.file), state: r.state ? pinStateRow(r.state, r.id, this.file) : null }));
  }

  savePinState(id: string, state: PinState): void {
    this.prep('UPDATE pins SET state = ? WHERE id = ?').run(JSON.stringify(state), id);
  }

  close(): void {
    this.db.close();
  }
}
