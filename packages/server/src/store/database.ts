import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, type DialectAdapter } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.js'

export type DatabaseOptions =
  { kind: 'sqlite'; sqlitePath: string } | { kind: 'postgres'; url: string }

export type Dialect = 'sqlite' | 'postgres'

export interface Store {
  db: Kysely<Database>
  dialect: Dialect
  close(): Promise<void>
}

/**
 * SQLite runs DDL inside transactions just fine; Kysely's adapter says otherwise only to stay
 * conservative. Declaring it lets each migration batch commit or roll back as a whole, which is
 * also what makes two processes safe: the loser of SQLite's single write lock fails, rolls
 * back and retries (see migrate.ts).
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true
  }
}

class BridgeSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter()
  }
}

const INT8_OID = 20

/** Epoch-millisecond BIGINT columns come back from pg as strings by default; they fit a double. */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser
}

export function openSqlite(path: string): SqliteDatabase.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new SqliteDatabase(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('synchronous = NORMAL')
  return sqlite
}

export function createStore(options: DatabaseOptions, poolSize = 10): Store {
  if (options.kind === 'sqlite') {
    const db = new Kysely<Database>({
      dialect: new BridgeSqliteDialect({ database: openSqlite(options.sqlitePath) })
    })
    return { db, dialect: 'sqlite', close: () => db.destroy() }
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSize,
    types: pgTypes,
    connectionTimeoutMillis: 10_000
  })
  // An idle client that loses its connection emits 'error' on the pool; without a listener it
  // would crash the process. The next query simply gets a fresh connection.
  pool.on('error', () => undefined)
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return { db, dialect: 'postgres', close: () => db.destroy() }
}
