import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Kysely, sql } from 'kysely'
import pg from 'pg'
import { createPostgresDatabase, postgresSuiteOptions } from '@mosip-bridge/test-support'
import type { PostgresTestDatabase } from '@mosip-bridge/test-support'
import { EarlyBeginPostgresDialect } from '../src/store/postgres-early-begin.js'

interface Tables {
  items: { id: number; note: string }
}

describe('PostgreSQL transactions with an early begin', await postgresSuiteOptions(), () => {
  let database: PostgresTestDatabase
  let pool: pg.Pool
  let db: Kysely<Tables>
  /** What the clients were asked and when their answers came, in order. */
  const events: string[] = []

  before(async () => {
    database = await createPostgresDatabase()
    pool = new pg.Pool({ connectionString: database.url, max: 3, pipeline: true })
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (
        text: string,
        values?: unknown[]
      ) => Promise<unknown>
      ;(client as unknown as { query: typeof query }).query = (text, values) => {
        const label = text.split(' ')[0]!.toLowerCase()
        events.push(`sent ${label}`)
        const answer = query(text, values)
        answer.then(
          () => events.push(`answered ${label}`),
          () => events.push(`failed ${label}`)
        )
        return answer
      }
    })
    db = new Kysely<Tables>({ dialect: new EarlyBeginPostgresDialect({ pool }) })
    await sql`create table items (id integer primary key, note text not null)`.execute(db)
  })

  after(async () => {
    await db.destroy()
    await database.drop()
  })

  it('sends the first statement before begin is answered, and commits both', async () => {
    events.length = 0
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('items').values({ id: 1, note: 'one' }).execute()
    })
    assert.deepEqual(events.slice(0, 3), ['sent begin', 'sent insert', 'answered begin'])
    const rows = await db.selectFrom('items').selectAll().where('id', '=', 1).execute()
    assert.deepEqual(rows, [{ id: 1, note: 'one' }])
  })

  it('rolls back every statement when the work throws', async () => {
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 2, note: 'two' }).execute()
        await trx.insertInto('items').values({ id: 1, note: 'duplicate' }).execute()
      }),
      /duplicate key/
    )
    const rows = await db.selectFrom('items').select('id').orderBy('id').execute()
    assert.deepEqual(rows, [{ id: 1 }])
  })

  it('refuses to report a commit when an error caught inside aborted the transaction', async () => {
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 3, note: 'three' }).execute()
        await trx
          .insertInto('items')
          .values({ id: 1, note: 'duplicate' })
          .execute()
          .catch(() => undefined)
      }),
      /aborted; nothing was committed/
    )
    const rows = await db.selectFrom('items').select('id').orderBy('id').execute()
    assert.deepEqual(rows, [{ id: 1 }])
  })

  it('commits a transaction that ran no statement, and runs many at once on a small pool', async () => {
    await db.transaction().execute(async () => undefined)
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        db.transaction().execute(async (trx) => {
          await trx
            .insertInto('items')
            .values({ id: 100 + i, note: `n${i}` })
            .execute()
          await trx
            .updateTable('items')
            .set({ note: `m${i}` })
            .where('id', '=', 100 + i)
            .execute()
        })
      )
    )
    const { count } = await db
      .selectFrom('items')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('note', 'like', 'm%')
      .executeTakeFirstOrThrow()
    assert.equal(Number(count), 40)
  })

  it('keeps the usual order for a transaction with an isolation level', async () => {
    events.length = 0
    await db
      .transaction()
      .setIsolationLevel('serializable')
      .execute(async (trx) => {
        await trx.insertInto('items').values({ id: 4, note: 'four' }).execute()
      })
    assert.deepEqual(events.slice(0, 3), ['sent start', 'answered start', 'sent insert'])
  })
})
