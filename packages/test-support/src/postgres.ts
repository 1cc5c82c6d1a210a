import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** Admin connection for creating throw-away databases (CI machine: trust auth, user postgres). */
const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

let available: Promise<boolean> | undefined

/**
 * Whether PostgreSQL tests can run. With CI=true a missing PostgreSQL is an error, so the
 * suite fails instead of quietly skipping half of its tests.
 */
function postgresIsAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = new pg.Client({
      connectionString: POSTGRES_ADMIN_URL,
      connectionTimeoutMillis: 10_000
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
  return available
}

/** Options for a PostgreSQL `describe`: skipped only outside CI, when it is unreachable. */
export async function postgresSuiteOptions(): Promise<{ skip?: string }> {
  return (await postgresIsAvailable()) ? {} : { skip: 'PostgreSQL is not reachable' }
}

export interface PostgresTestDatabase {
  name: string
  url: string
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

/** A fresh, empty PostgreSQL database with a random name. */
export async function createPostgresDatabase(
  prefix = 'bridge_test'
): Promise<PostgresTestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  await admin(`create database ${name}`)
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: () => admin(`drop database if exists ${name} with (force)`)
  }
}
