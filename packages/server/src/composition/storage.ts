import { hkdfSync } from 'node:crypto'
import type { BridgeConfig } from '../config/index.js'
import type { Logger } from '../observability/logger.js'
import type { Tasks } from '../pipeline/tasks.js'
import { JobQueue } from '../queue/job-queue.js'
import { createStore, type Store } from '../store/database.js'
import { resolveEncryptionKey } from '../store/encryption-key.js'
import { migrateToLatest, pendingMigrations } from '../store/migrate.js'
import { OperatorQueries } from '../store/operator-queries.js'
import { ReconciliationRepository } from '../store/reconciliation.repository.js'
import { RetentionRepository } from '../store/retention.repository.js'
import { AuditRepository } from '../store/audit.repository.js'
import { RegistrationsRepository } from '../store/registrations.repository.js'
import { SecretBox } from '../store/secret-box.js'
import { SealedColumnsRepository } from '../store/sealed-columns.repository.js'
import { WebsubInboxRepository } from '../store/websub-inbox.repository.js'
import { WebsubIntentsRepository } from '../store/websub-intents.repository.js'

/** A database whose schema is older than this version, opened without migrating. */
export class SchemaBehindError extends Error {
  readonly code = 'SCHEMA_BEHIND'
  constructor(readonly pending: string[]) {
    super(
      `the database schema is behind this version (${pending.length} migration(s) to run: ${pending.join(', ')}); run \`mosip-bridge migrate\` first`
    )
  }
}

/** The database, migrated, with the repositories and the job queue that live in it. */
export interface Storage {
  store: Store
  registrations: RegistrationsRepository
  inbox: WebsubInboxRepository
  /** Which submitted registrations to check against MOSIP, their claims and MOSIP's answers. */
  reconciliation: ReconciliationRepository
  /** The audit trail of operator actions. */
  audit: AuditRepository
  /** Subscription changes operators asked the WebSub hub for, which the callback confirms. */
  websubIntents: WebsubIntentsRepository
  /** Deletes what outlived its retention (processed deliveries, old history). */
  retention: RetentionRepository
  /** Every sealed column, for re-sealing them under a new data key (`keys reseal`). */
  sealed: SealedColumnsRepository
  /** Read model for operators (status, lists, metrics); never opens a sealed column. */
  operator: OperatorQueries
  queue: JobQueue<Tasks>
  /**
   * A 32-byte key for `purpose` derived (HKDF-SHA256) from the data encryption key: the same in
   * every instance sharing the database, and never the data key itself.
   */
  deriveKey: (purpose: string) => Buffer
}

/**
 * Opens the configured database, brings its schema up to date and builds the repositories, which
 * seal secrets with the data encryption key. Logs where that key comes from when it is not the
 * environment. The store is closed again when the migration fails. `poolSize` bounds the
 * PostgreSQL pool (a one-shot CLI command needs few connections).
 */
export async function openStorage(
  config: BridgeConfig,
  logger: Logger,
  options: {
    poolSize?: number
    /** false: never change the schema (read-only commands); a database behind is an error. */
    migrate?: boolean
  } = {}
): Promise<Storage> {
  const encryptionKey = resolveEncryptionKey(config.encryption.key, config.encryption.keyFile)
  if (encryptionKey.source !== 'environment') {
    logger.warn(
      { keyFile: config.encryption.keyFile, source: encryptionKey.source },
      encryptionKey.source === 'generated'
        ? 'DATA_ENCRYPTION_KEY is not set: generated a data encryption key into the key file; back it up, or set DATA_ENCRYPTION_KEY (required when several instances share a database)'
        : 'DATA_ENCRYPTION_KEY is not set: using the key file'
    )
  }
  const store = createStore(config.database, options.poolSize)
  try {
    if (options.migrate === false) {
      const pending = await pendingMigrations(store)
      if (pending.length > 0) throw new SchemaBehindError(pending)
    } else {
      const report = await migrateToLatest(store)
      logger.info({ applied: report.applied, database: store.dialect }, 'database ready')
    }
  } catch (error) {
    await store.close()
    throw error
  }
  const box = new SecretBox(encryptionKey.key, config.encryption.previousKeys)
  return {
    store,
    registrations: new RegistrationsRepository(store.db, box),
    inbox: new WebsubInboxRepository(store.db, box),
    reconciliation: new ReconciliationRepository(store),
    retention: new RetentionRepository(store),
    audit: new AuditRepository(store),
    websubIntents: new WebsubIntentsRepository(store),
    sealed: new SealedColumnsRepository(store, box),
    operator: new OperatorQueries(store.db),
    queue: createJobQueue(store, config),
    deriveKey: (purpose) =>
      Buffer.from(hkdfSync('sha256', encryptionKey.key, 'mosip-bridge', purpose, 32))
  }
}

/** The pipeline's job queue in `store`, with the configured attempts and backoff. */
export function createJobQueue(store: Store, config: BridgeConfig): JobQueue<Tasks> {
  return new JobQueue<Tasks>(store, {
    maxAttempts: config.queue.maxAttempts,
    backoff: { baseMs: config.queue.backoffBaseMs, maxMs: config.queue.backoffMaxMs }
  })
}
