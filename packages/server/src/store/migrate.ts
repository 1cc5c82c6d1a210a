import { Migrator, type MigrationResult } from 'kysely'
import { errorCode } from '../core/error-code.js'
import type { Store } from './database.js'
import { migrationsFor } from './migrations/index.js'

export interface MigrationReport {
  applied: string[]
  alreadyApplied: string[]
}

class MigrationError extends Error {
  readonly code = 'MIGRATION_FAILED'
  constructor(
    message: string,
    override readonly cause?: unknown
  ) {
    super(message)
  }
}

/**
 * Errors a concurrent migration of another instance can cause, after which a second try
 * finds the work done: SQLite's lost write lock, and PostgreSQL's race on creating Kysely's
 * bookkeeping tables (unique violation in the catalog, or "relation already exists").
 */
function isConcurrencyConflict(error: unknown): boolean {
  const code = errorCode(error)
  if (code === undefined) return false
  return code.startsWith('SQLITE_BUSY') || code === '23505' || code === '42P07'
}

/**
 * Brings the schema up to date. On PostgreSQL, Kysely holds a session advisory lock for the
 * whole run, so concurrent instances wait for each other. On SQLite each run is one write
 * transaction: a concurrent instance that loses the write lock gets SQLITE_BUSY, rolls back
 * and tries again, then finds nothing left to do.
 */
export async function migrateToLatest(store: Store): Promise<MigrationReport> {
  const migrations = migrationsFor(store.dialect)
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: () => Promise.resolve(migrations) }
  })
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest()
    if (!error) {
      const applied = (results ?? [])
        .filter((r: MigrationResult) => r.status === 'Success')
        .map((r) => r.migrationName)
      return {
        applied,
        alreadyApplied: Object.keys(migrations).filter((name) => !applied.includes(name))
      }
    }
    if (isConcurrencyConflict(error) && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt))
      continue
    }
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new MigrationError(
      `database migration ${failed ? `"${failed}" ` : ''}failed: ${(error as Error)?.message ?? String(error)}`,
      error
    )
  }
}

/** Names of the migrations this version has that the database has not run, in order. */
export async function pendingMigrations(store: Store): Promise<string[]> {
  const migrations = migrationsFor(store.dialect)
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: () => Promise.resolve(migrations) }
  })
  const known = await migrator.getMigrations()
  return known.filter((migration) => migration.executedAt === undefined).map((m) => m.name)
}
