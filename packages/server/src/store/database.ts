import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresAdapter, sql } from 'kysely'
import { createRequire } from 'node:module'
import { Socket } from 'node:net'
import type Pg from 'pg'
import type { Database } from './schema.js'
import { errorCode } from '../core/error-code.js'
import { BridgeSqliteDialect } from './sqlite-group-commit.js'
import { EarlyBeginPostgresDialect } from './postgres-early-begin.js'

export type DatabaseOptions =
  { kind: 'sqlite'; sqlitePath: string } | { kind: 'postgres'; url: string }

export type Dialect = 'sqlite' | 'postgres'

/**
 * What the database can do that callers may rely on, declared once per dialect (as kysely's
 * dialect adapters declare `supportsReturning`), so no caller compares dialect names.
 */
export interface StoreCapabilities {
  /**
   * `SELECT … FOR UPDATE SKIP LOCKED`: concurrent claimers pass over rows another transaction
   * has locked. PostgreSQL has it; SQLite serialises writers instead and has no row locks.
   */
  skipLocked: boolean
  /**
   * Lease times are read from the database's clock (`databaseNowMs`), so instances whose own
   * clocks disagree still agree on when a lease ends. PostgreSQL, shared by several machines,
   * does; SQLite serves the processes of one machine, which share its clock.
   */
  databaseClock: boolean
}

/**
 * Whether statements built on `db` may use data-modifying CTEs (`with moved as (update …
 * returning …) insert …`): PostgreSQL has them, SQLite has not. On PostgreSQL every statement is
 * a round trip, so writing a row and its history in one statement halves those trips.
 */
export function hasDataModifyingCte(db: Kysely<Database>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter
}

/**
 * Whether a query on `db` may name the index to read a table through (SQLite's `indexed by`).
 * PostgreSQL has no such hint; it chooses by its statistics.
 */
export function acceptsIndexHints(db: Kysely<Database>): boolean {
  return !(db.getExecutor().adapter instanceof PostgresAdapter)
}

/** The database's current time in epoch milliseconds, for stores with `databaseClock`. */
export const databaseNowMs = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`

/**
 * Where a repository runs its statements: the store's own connection (`store.db`) or the
 * transaction handed to `store.transaction`'s callback.
 */
export type Executor = Kysely<Database>

export interface Store {
  /** The query builder. Only store/ and queue/ build queries with it; others pass it on. */
  db: Kysely<Database>
  /** Which database this is, for logs and /ready; behaviour differences are `capabilities`. */
  dialect: Dialect
  capabilities: StoreCapabilities
  /**
   * Runs `work` in one transaction: everything written through `trx` commits together, or
   * nothing does when `work` throws (the error is then rethrown).
   */
  transaction<T>(work: (trx: Executor) => Promise<T>): Promise<T>
  /** One round trip to the database; rejects when it does not answer. */
  ping(): Promise<void>
  close(): Promise<void>
}

const CAPABILITIES: Record<Dialect, StoreCapabilities> = {
  sqlite: { skipLocked: false, databaseClock: false },
  postgres: { skipLocked: true, databaseClock: true }
}

/** What runs once a transaction of `Store.transaction` has ended (see `whenTransactionEnds`). */
type EndHook = (committed: boolean) => void
const endHooks = new WeakMap<Executor, EndHook[]>()

/**
 * Has `hook` called once the transaction `executor` belongs to has ended: with true after it
 * committed, false after it rolled back. Returns false, without keeping the hook, when
 * `executor` is not a transaction opened by `Store.transaction` (the caller cannot know when
 * its writes become visible).
 */
export function whenTransactionEnds(executor: Executor, hook: EndHook): boolean {
  const hooks = endHooks.get(executor)
  if (!hooks) return false
  hooks.push(hook)
  return true
}

function storeOf(db: Kysely<Database>, dialect: Dialect): Store {
  return {
    db,
    dialect,
    capabilities: CAPABILITIES[dialect],
    transaction: async (work) => {
      const hooks: EndHook[] = []
      let result
      try {
        result = await db.transaction().execute((trx) => {
          endHooks.set(trx, hooks)
          return work(trx)
        })
      } catch (error) {
        for (const hook of hooks) hook(false)
        throw error
      }
      for (const hook of hooks) hook(true)
      return result
    },
    ping: async () => {
      await sql`select 1`.execute(db)
    },
    close: () => db.destroy()
  }
}

/**
 * Whether an error is a unique-key violation, in either dialect (PostgreSQL's SQLSTATE 23505,
 * better-sqlite3's constraint codes).
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = errorCode(error)
  return (
    code === '23505' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE'
  )
}

const INT8_OID = 20

/**
 * A socket for node-postgres that sends what is written to it within one tick in one system
 * call. node-postgres writes each message of a query (parse, bind, describe, execute, sync) on
 * its own, so every statement cost five writes to the kernel — the largest share of the
 * bridge's CPU on PostgreSQL. Corking the socket until the end of the tick keeps the messages
 * and their order, and sends them together. Written by hand because node-postgres has no
 * setting for it; it accepts a function making its socket (`stream`).
 */
function coalescingSocket(): Socket {
  const socket = new Socket()
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean
  socket.write = ((...args: unknown[]) => {
    if (socket.writableCorked === 0) {
      socket.cork()
      process.nextTick(() => socket.uncork())
    }
    return write(...args)
  }) as typeof socket.write
  return socket
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

/** Pages of write-ahead log after which a commit copies the log into the database. */
export const WAL_CHECKPOINT_PAGES = 4000

function openSqlite(path: string): SqliteDatabase.Database {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    // A new database file is readable by its owner only; SQLite gives its -wal and -shm files
    // the same mode. (An existing file keeps the mode its operator chose.)
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
  }
  const sqlite = new SqliteDatabase(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('busy_timeout = 5000')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('synchronous = NORMAL')
  // SQLite copies the write-ahead log into the database (a checkpoint) once the log holds
  // `wal_autocheckpoint` pages, by default 1,000. The bridge rewrites the same pages (job and
  // registration rows, the ends of their indexes) many times a second; a longer log copies each
  // of them once for more commits. Replaying a bench run's statements, 4,000 pages (16 MB) cut
  // the time spent committing by 15–20 %. The log file is cut back to that size after a
  // checkpoint that found it larger.
  sqlite.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`)
  sqlite.pragma(`journal_size_limit = ${WAL_CHECKPOINT_PAGES * 4096}`)
  cachePreparedStatements(sqlite)
  return sqlite
}

export function createStore(options: DatabaseOptions, poolSize = 10): Store {
  if (options.kind === 'sqlite') {
    const db = new Kysely<Database>({
      dialect: new BridgeSqliteDialect(openSqlite(options.sqlitePath))
    })
    return storeOf(db, 'sqlite')
  }
  // Loaded only for PostgreSQL, so that a SQLite deployment's commands start without it.
  const pg = createRequire(import.meta.url)('pg') as typeof Pg
  // Epoch-millisecond BIGINT columns come back from pg as strings by default; they fit a double.
  const pgTypes = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID
        ? (value: string) => Number(value)
        : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser
  }
  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSize,
    types: pgTypes,
    connectionTimeoutMillis: 10_000,
    stream: coalescingSocket,
    // Queries are sent without waiting for the previous answer. Kysely still waits for each
    // statement of a transaction before the next; what goes ahead is a transaction's `begin`
    // (see EarlyBeginPostgresDialect).
    pipeline: true
  })
  // An idle client that loses its connection emits 'error' on the pool; without a listener it
  // would crash the process. The next query simply gets a fresh connection.
  pool.on('error', () => undefined)
  const db = new Kysely<Database>({ dialect: new EarlyBeginPostgresDialect({ pool }) })
  return storeOf(db, 'postgres')
}
