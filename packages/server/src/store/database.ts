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

/**
 * Kysely's SQLite driver prepares every statement anew; preparing is a large share of a query's
 * cost with better-sqlite3. The bridge runs a small set of statement shapes, so keeping the
 * prepared statements by SQL text (bounded, least recently used dropped first) removes that
 * cost. Statements are only run to completion (`all`/`run`), never left iterating, so reusing
 * one is safe. Written by hand because neither library offers it.
 */
function cachePreparedStatements(sqlite: SqliteDatabase.Database, limit = 500): void {
  const cache = new Map<string, SqliteDatabase.Statement>()
  const prepare = sqlite.prepare.bind(sqlite)
  sqlite.prepare = ((source: string) => {
    const cached = cache.get(source)
    if (cached && !cached.busy) {
      cache.delete(source)
      cache.set(source, cached)
      return cached
    }
    const statement = prepare(source)
    cache.set(source, statement)
    if (cache.size > limit) cache.delete(cache.keys().next().value as string)
    return statement
  }) as typeof sqlite.prepare
}

export function openSqlite(path: string): SqliteDatabase.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const sqlite = new SqliteDatabase(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('synchronous = NORMAL')
  cachePreparedStatements(sqlite)
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
