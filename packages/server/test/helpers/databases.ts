import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import {
  createStore,
  type DatabaseOptions,
  type Dialect,
  type Store
} from '../../src/store/database.js'
import { migrateToLatest } from '../../src/store/migrate.js'

/** Admin connection for creating throw-away databases (CI machine: trust auth, user postgres). */
export const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

let postgresAvailable: Promise<boolean> | undefined

/**
 * Whether PostgreSQL tests can run. With CI=true a missing PostgreSQL is an error, so the
 * suite fails instead of quietly skipping half of its tests.
 */
export function postgresIsAvailable(): Promise<boolean> {
  postgresAvailable ??= (async () => {
    const client = new pg.Client({
      connectionString: POSTGRES_ADMIN_URL,
      connectionTimeoutMillis: 3000
    })
    try {
      await client.connect()
      await client.query('select 1')
      return true
    } catch (error) {
      if (process.env.CI === 'true') {
        throw new Error(`PostgreSQL is required in CI but ${POSTGRES_ADMIN_URL} is unreachable`, {
          cause: error
        })
      }
      return false
    } finally {
      await client.end().catch(() => undefined)
    }
  })()
  return postgresAvailable
}

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
  const name = `bridge_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    dialect,
    options: { kind: 'postgres', url: url.toString() },
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
      await client.connect()
      await client.query(`drop database if exists ${name} with (force)`)
      await client.end()
    }
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
  if (dialect === 'sqlite') return {}
  return (await postgresIsAvailable()) ? {} : { skip: 'PostgreSQL is not reachable' }
}

export const TEST_KEY = Buffer.alloc(32, 7)
