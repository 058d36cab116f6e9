// Matrices in the server's SQLite file (server/store opens it; the table is its migration step 2, so the schema
// has one history). Each matrix is kept whole as JSON and read back through the Matrix schema
// (server/store/rows.ts matrixRow, lib/schema/matrix.ts), never cast: a row that is not a Matrix is a StoreError
// (503, code EBADROW) naming the matrix, the field and the fix. Statements are prepared once per store.
import type Database from 'better-sqlite3';
import type { Matrix } from '../../lib/matrix/types';
import type { StoreError } from '../store/errors';
import { matrixRow } from '../store/rows';

export class MatrixStore {
  /** the database file, named in a bad row's error (better-sqlite3's `name`: the path it was opened with) */
  private readonly file: string;
  private readonly st: Record<'save' | 'get' | 'setPinned' | 'pinned' | 'all', Database.Statement>;

  /** `db` is a migrated store's (server/store Store.db): the matrices table is its migration step 2. */
  constructor(db: Database.Database) {
    this.file = db.name;
    this.st = {
      save: db.prepare(
        `INSERT INTO matrices (id, created_at, namespaces, context, json) VALUES (@id, @createdAt, @namespaces, @context, @json)
         ON CONFLICT(id) DO UPDATE SET json = excluded.json`,
      ),
      get: db.prepare('SELECT json, pinned FROM matrices WHERE id = ?'),
      setPinned: db.prepare('UPDATE matrices SET pinned = ? WHERE id = ?'),
      pinned: db.prepare('SELECT id, json FROM matrices WHERE pinned = 1 ORDER BY created_at'),
      all: db.prepare('SELECT id, json FROM matrices'),
    };
  }

  save(m: Matrix): void {
    this.st.save.run({ id: m.id, createdAt: m.createdAt ?? new Date().toISOString(), namespaces: m.namespaces.join(','), context: m.context ?? null, json: JSON.stringify(m) });
  }

  /** The stored matrix `id`, or null when there is none; StoreError (503, EBADROW) when its row is not a Matrix. */
  get(id: string): (Matrix & { pinned: boolean }) | null {
    const row = this.st.get.get(id) as { json: string; pinned: number } | undefined;
    return row ? { ...matrixRow(row.json, id, this.file), pinned: row.pinned === 1 } : null;
  }

  setPinned(id: string, pinned: boolean): boolean {
    return this.st.setPinned.run(pinned ? 1 : 0, id).changes > 0;
  }

  /** The matrices pinned to the wall, oldest first; StoreError (503, EBADROW) naming the first one whose row is not a Matrix. */
  pinned(): Matrix[] {
    const rows = this.st.pinned.all() as { id: string; json: string }[];
    return rows.map((r) => matrixRow(r.json, r.id, this.file));
  }

  /**
   * On start-up: a run the previous process left half-done keeps its cells and says it was interrupted. A row
   * that is not a Matrix stays as it is (reading it says why) and start-up goes on; its StoreError is returned
   * so the server can log it.
   */
  markInterrupted(): StoreError[] {
    const rows = this.st.all.all() as { id: string; json: string }[];
    const unreadable: StoreError[] = [];
    for (const r of rows) {
      let m: Matrix;
      try {
        m = matrixRow(r.json, r.id, this.file);
      } catch (e) {
        unreadable.push(e as StoreError); // matrixRow throws nothing else
        continue;
      }
      if (m.status === 'running') this.save({ ...m, status: 'done', notes: [...m.notes, 'the server stopped before this run finished; unobserved cells stay empty'] });
    }
    return unreadable;
  }
}
