import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPostgresDatabase, postgresSuiteOptions } from '@mosip-bridge/test-support'
import {
  createStore,
  type DatabaseOptions,
  type Dialect,
  type Store
} from '../../src/store/database.js'
import { migrateToLatest } from '../../src/store/migrate.js'

export interface TestDatabase {
  dialect: Dialect
  options: DatabaseOptions
  /** Removes the database (file or PostgreSQL database). */
  drop(): Promise<void>
}

/** A fresh, empty database of the given dialect. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-test-'))
    return {
      dialect,
      options: { kind: 'sqlite', sqlitePath: join(dir, 'bridge.db') },
      drop: async () => rmSync(dir, { recursive: true, force: true })
    }
  }
  const database = await createPostgresDatabase()
  return {
    dialect,
    options: { kind: 'postgres', url: database.url },
    drop: database.drop
  }
}

export interface MigratedStore extends TestDatabase {
  store: Store
}

/** A fresh database, migrated, with an open store; `drop` closes the store first. */
export async function createMigratedStore(dialect: Dialect): Promise<MigratedStore> {
  const database = await createTestDatabase(dialect)
  const store = createStore(database.options)
  await migrateToLatest(store)
  return {
    ...database,
    store,
    drop: async () => {
      await store.close()
      await database.drop()
    }
  }
}

/** The dialects to run store and queue tests on: always SQLite, PostgreSQL when reachable. */
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres']

/** Options for `describe`: skips PostgreSQL suites only outside CI when it is unreachable. */
export async function dialectSuiteOptions(dialect: Dialect): Promise<{ skip?: string }> {
  return dialect === 'sqlite' ? {} : postgresSuiteOptions()
}

export const TEST_KEY = Buffer.alloc(32, 7)
