import type SqliteDatabase from 'better-sqlite3'
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type QueryResult
} from 'kysely'

/**
 * Group commit for SQLite, as a Kysely driver.
 *
 * A commit costs SQLite far more than the statements it ends (it appends every page the
 * transaction touched to the write-ahead log), and the bridge's work is many small transactions:
 * a registration took a dozen commits. This driver lets the transactions and the single writing
 * statements of one moment share one physical transaction, each in its own savepoint, and
 * commits them together once the event loop has run what was ready (`setImmediate`).
 *
 * What callers see does not change: a transaction's `execute` and a writing statement resolve
 * only after the physical commit, so nothing is acknowledged before it is durable; a
 * transaction that throws rolls back to its savepoint and leaves the others of its group intact;
 * work is serialised exactly as with Kysely's own driver (one unit at a time on the single
 * connection). A statement that only reads answers at once; it may see what the open group
 * wrote, which is then committed unless the commit itself fails (or SQLite rolls the whole
 * transaction back after an I/O error), in which case every unit of the group is rejected with
 * that error.
 *
 * Written by hand because neither Kysely nor better-sqlite3 offers group commit.
 */

/** A unit's handle on the single connection, valid until the unit releases it. */
class UnitConnection implements DatabaseConnection {
  released = false
  inTransaction = false
  /** Whether this unit ran a statement inside the open group (so it must wait for its commit). */
  joinedGroup = false

  constructor(private readonly driver: GroupCommitSqliteDriver) {}

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.released) {
      return Promise.reject(new Error('SQLite connection used after it was released'))
    }
    return this.driver.execute<R>(this, compiledQuery)
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported by the group-commit SQLite driver')
  }
}

interface Waiter {
  resolve: () => void
  reject: (error: unknown) => void
}

/** A first-in first-out lock whose holder can let one caller go ahead of the queue. */
class FifoLock {
  private held = false
  private readonly queue: Array<() => void> = []

  lock(front = false): Promise<void> {
    if (!this.held) {
      this.held = true
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      if (front) this.queue.unshift(resolve)
      else this.queue.push(resolve)
    })
  }

  unlock(): void {
    const next = this.queue.shift()
    if (next) next()
    else this.held = false
  }
}

const SAVEPOINT = 'bridge_unit'
/** Statements SQLite runs only outside a transaction (or that must not join one). */
const OUTSIDE_TRANSACTION = /^\s*(pragma|vacuum)\b/i

export class GroupCommitSqliteDriver implements Driver {
  private readonly lock = new FifoLock()
  /** Whether a physical transaction (the group) is open. */
  private groupOpen = false
  /** Units of the open group waiting for its commit. */
  private waiting: Waiter[] = []
  private flushScheduled = false

  constructor(private readonly sqlite: SqliteDatabase.Database) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.lock()
    return new UnitConnection(this)
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const unit = connection as UnitConnection
    this.openGroup()
    this.run(`savepoint ${SAVEPOINT}`)
    unit.inTransaction = true
    unit.joinedGroup = true
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const unit = connection as UnitConnection
    this.run(`release ${SAVEPOINT}`)
    unit.inTransaction = false
    await this.finishUnit(unit)
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const unit = connection as UnitConnection
    // Released already: the commit failed and the whole group was rolled back.
    if (unit.released) return
    unit.inTransaction = false
    if (this.sqlite.inTransaction) {
      this.run(`rollback to ${SAVEPOINT}`)
      this.run(`release ${SAVEPOINT}`)
    } else {
      this.groupLost(new Error('SQLite rolled the transaction back'))
    }
    this.releaseUnit(unit)
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint "${name}"`))
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to "${name}"`))
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release "${name}"`))
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const unit = connection as UnitConnection
    if (!unit.released) await this.finishUnit(unit)
  }

  async destroy(): Promise<void> {
    // Whatever is open commits (a unit holding the lock has finished or failed by now).
    await this.lock.lock(true)
    try {
      this.commitGroup()
    } finally {
      this.lock.unlock()
    }
    this.sqlite.close()
  }

  /** Runs one statement for `unit`; a write outside a transaction joins the open group. */
  execute<R>(unit: UnitConnection, query: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.sqlite.prepare(query.sql)
    if (!unit.inTransaction) {
      if (OUTSIDE_TRANSACTION.test(query.sql)) {
        // A checkpoint or VACUUM cannot run inside a transaction: the group commits first.
        this.commitGroup()
      } else if (!statement.readonly) {
        this.openGroup()
        unit.joinedGroup = true
      }
    }
    try {
      if (statement.reader) {
        return Promise.resolve({ rows: statement.all(query.parameters) as R[] })
      }
      const { changes, lastInsertRowid } = statement.run(query.parameters)
      return Promise.resolve({
        numAffectedRows: BigInt(changes),
        insertId: BigInt(lastInsertRowid),
        rows: []
      })
    } catch (error) {
      // Some errors (I/O, a full disk) make SQLite roll back the whole transaction.
      if (this.groupOpen && !this.sqlite.inTransaction) this.groupLost(error)
      return Promise.reject(error)
    }
  }

  private run(source: string): void {
    this.sqlite.prepare(source).run()
  }

  private openGroup(): void {
    if (this.groupOpen) return
    // IMMEDIATE takes the write lock now (waiting up to busy_timeout for another process), so
    // a group never has to upgrade a stale read snapshot, which SQLite would refuse.
    this.run('begin immediate')
    this.groupOpen = true
  }

  /** Ends a unit: gives the connection to the next one and, if it joined the group, waits for its commit. */
  private finishUnit(unit: UnitConnection): Promise<void> {
    const joined = unit.joinedGroup && this.groupOpen
    this.releaseUnit(unit)
    if (!joined) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      this.scheduleFlush()
    })
  }

  private releaseUnit(unit: UnitConnection): void {
    if (unit.released) return
    unit.released = true
    this.lock.unlock()
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => {
      void this.flush()
    })
  }

  private async flush(): Promise<void> {
    // Behind the units already waiting, which join the group; those that come later wait for
    // the next one, so a steady stream of units cannot postpone the commit.
    await this.lock.lock()
    this.flushScheduled = false
    try {
      this.commitGroup()
    } finally {
      this.lock.unlock()
    }
  }

  private commitGroup(): void {
    if (!this.groupOpen) return
    const waiting = this.waiting
    this.waiting = []
    this.groupOpen = false
    try {
      this.run('commit')
    } catch (error) {
      if (this.sqlite.inTransaction) this.run('rollback')
      for (const waiter of waiting) waiter.reject(error)
      return
    }
    for (const waiter of waiting) waiter.resolve()
  }

  /** SQLite ended the group on its own (rolled back): every unit in it failed. */
  private groupLost(error: unknown): void {
    const waiting = this.waiting
    this.waiting = []
    this.groupOpen = false
    for (const waiter of waiting) waiter.reject(error)
  }
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

/** The bridge's SQLite dialect: transactional DDL and group commit. */
export class BridgeSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: SqliteDatabase.Database) {
    super({ database: sqlite })
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter()
  }

  override createDriver(): Driver {
    return new GroupCommitSqliteDriver(this.sqlite)
  }
}
