// Matrices in the server's SQLite file (server/store opens it): one additive, idempotent table, created on
// first use, so it never collides with the store's own migrations. Each matrix is kept whole as JSON.
import type Database from 'better-sqlite3';
import type { Matrix } from '../../lib/matrix/types';

export class MatrixStore {
  constructor(private readonly db: Database.Database) {
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
  }

  save(m: Matrix): void {
    this.db
      .prepare(
        `INSERT INTO matrices (id, created_at, namespaces, context, json) VALUES (@id, @createdAt, @namespaces, @context, @json)
         ON CONFLICT(id) DO UPDATE SET json = excluded.json`,
      )
      .run({ id: m.id, createdAt: m.createdAt ?? new Date().toISOString(), namespaces: m.namespaces.join(','), context: m.context ?? null, json: JSON.stringify(m) });
  }

  get(id: string): (Matrix & { pinned: boolean }) | null {
    const row = this.db.prepare('SELECT json, pinned FROM matrices WHERE id = ?').get(id) as { json: string; pinned: number } | undefined;
    return row ? { ...(JSON.parse(row.json) as Matrix), pinned: row.pinned === 1 } : null;
  }

  setPinned(id: string, pinned: boolean): boolean {
    return this.db.prepare('UPDATE matrices SET pinned = ? WHERE id = ?').run(pinned ? 1 : 0, id).changes > 0;
  }

  pinned(): Matrix[] {
    const rows = this.db.prepare('SELECT json FROM matrices WHERE pinned = 1 ORDER BY created_at').all() as { json: string }[];
    return rows.map((r) => JSON.parse(r.json) as Matrix);
  }

  /** On start-up: a run the previous process left half-done keeps its cells and says it was interrupted. */
  markInterrupted(): void {
    const rows = this.db.prepare('SELECT id, json FROM matrices').all() as { id: string; json: string }[];
    for (const r of rows) {
      const m = JSON.parse(r.json) as Matrix;
      if (m.status === 'running') this.save({ ...m, status: 'done', notes: [...m.notes, 'the server stopped before this run finished; unobserved cells stay empty'] });
    }
  }
}
