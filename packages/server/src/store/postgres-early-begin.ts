import {
  CompiledQuery,
  PostgresDialect,
  PostgresDriver,
  type DatabaseConnection,
  type Driver,
  type PostgresDialectConfig,
  type QueryResult,
  type TransactionSettings
} from 'kysely'

/**
 * A connection of a transaction whose `begin` has been sent but not yet answered. The first
 * statement of the transaction is sent right behind it, on the same connection, and waits for
 * both answers.
 */
/** Kysely's own connection class, which its driver's methods expect back. */
type KyselyPostgresConnection = Parameters<PostgresDriver['releaseConnection']>[0]

class EarlyBeginConnection implements DatabaseConnection {
  /** Settles with the error of `begin`, or undefined once it succeeded; null when none is pending. */
  #pendingBegin: Promise<unknown> | null = null

  constructor(readonly inner: KyselyPostgresConnection) {}

  sendBegin(query: CompiledQuery): void {
    // Caught here so that a failure never goes unhandled; it is thrown by the next statement.
    this.#pendingBegin = this.inner.executeQuery(query).then(
      () => undefined,
      (error: unknown) => error ?? new Error('begin failed')
    )
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const pending = this.#pendingBegin
    if (!pending) return this.inner.executeQuery<R>(query)
    this.#pendingBegin = null
    const result = this.inner.executeQuery<R>(query)
    const beginError = await pending
    if (beginError !== undefined) {
      // The statement was sent already; its own outcome no longer matters.
      result.catch(() => undefined)
      throw beginError
    }
    return result
  }

  streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize)
  }
}

/**
 * Kysely's PostgreSQL driver waits for `begin` to be answered before it sends a transaction's
 * first statement: one round trip to the database for nothing, in each of the several
 * transactions a registration goes through. With the client in pipeline mode, this driver sends
 * `begin` and lets the first statement follow at once; that statement then waits for both
 * answers and fails with `begin`'s error if it had one.
 *
 * A `begin` that fails while the connection stays usable would let the statement behind it run
 * outside a transaction. PostgreSQL refuses a plain `begin` only when it cannot serve the
 * connection at all (the server shutting down, the connection lost), and then the statement
 * fails as well; so that case does not arise. Transactions with an isolation level or access
 * mode keep the usual order.
 *
 * Written by hand because Kysely has no option for it.
 */
class EarlyBeginDriver extends PostgresDriver {
  override async acquireConnection(): Promise<DatabaseConnection> {
    return new EarlyBeginConnection((await super.acquireConnection()) as KyselyPostgresConnection)
  }

  override async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings
  ): Promise<void> {
    const early = connection as EarlyBeginConnection
    if (settings.isolationLevel || settings.accessMode) {
      return super.beginTransaction(early.inner, settings)
    }
    early.sendBegin(CompiledQuery.raw('begin'))
  }

  override async commitTransaction(connection: DatabaseConnection): Promise<void> {
    // Through the wrapper, so that a transaction without statements still waits for its begin.
    const { rows } = await connection.executeQuery<{ command?: string }>(
      CompiledQuery.raw('commit')
    )
    // PostgreSQL completes COMMIT with a ROLLBACK tag when an earlier error aborted the transaction.
    if (rows[0]?.command === 'ROLLBACK')
      throw new Error('the transaction was aborted; nothing was committed')
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const early = connection as EarlyBeginConnection
    try {
      // A begin still pending is answered first (same connection, in order).
      await early.executeQuery(CompiledQuery.raw('rollback'))
    } catch (error) {
      // Kysely's own rollback marks a connection that fails it for discarding on release.
      await super.rollbackTransaction(early.inner).catch(() => undefined)
      throw error
    }
  }

  override async releaseConnection(connection: DatabaseConnection): Promise<void> {
    return super.releaseConnection((connection as EarlyBeginConnection).inner)
  }
}

/** PostgresDialect with `EarlyBeginDriver`; the pool's clients must run in pipeline mode. */
export class EarlyBeginPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig

  constructor(config: PostgresDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver(): Driver {
    return new EarlyBeginDriver(this.#config)
  }
}
