import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import { HotQueries } from '../src/store/hot-queries.js'
import {
  DIALECTS,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'

for (const dialect of DIALECTS) {
  describe(`hot queries on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    let ctx: MigratedStore
    before(async () => {
      ctx = await createMigratedStore(dialect)
    })
    after(async () => {
      await ctx.drop()
    })

    it('builds a shape once and runs it with each call’s values, constants kept', async () => {
      const hot = new HotQueries()
      const db = ctx.store.db
      let builds = 0
      const insert = (id: string, note: string | null, executor = db) =>
        hot.run(executor, 'insert', { id, note }, (value) => {
          builds++
          return executor.insertInto('operator_actions').values({
            at: 1,
            actor: value('id'),
            channel: 'test',
            action: 'hot-query',
            target: value('note'),
            outcome: 'ok'
          })
        })
      await insert('first', 'a')
      await insert('second', null)
      await ctx.store.transaction((trx) => insert('third', 'c', trx))
      assert.equal(builds, 1)
      const rows = await db
        .selectFrom('operator_actions')
        .select(['actor', 'channel', 'target'])
        .where('action', '=', 'hot-query')
        .orderBy('id')
        .execute()
      assert.deepEqual(rows, [
        { actor: 'first', channel: 'test', target: 'a' },
        { actor: 'second', channel: 'test', target: null },
        { actor: 'third', channel: 'test', target: 'c' }
      ])
      const counted = await hot.first(db, 'count', { action: 'hot-query' }, (value) =>
        db
          .selectFrom('operator_actions')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('action', '=', value('action'))
      )
      assert.equal(Number(counted?.n), 3)
    })

    it('refuses a value that would not be a parameter, and a call missing a value', async () => {
      const hot = new HotQueries()
      const db = ctx.store.db
      await assert.rejects(
        hot.run(db, 'raw', { table: 'jobs' }, (value) =>
          db.selectFrom(sql.raw<never>(String(value('table'))).as('t')).selectAll()
        ),
        /table is not a parameter/
      )
      await assert.rejects(
        hot.run(db, 'missing', {}, (value) =>
          db.selectFrom('jobs').selectAll().where('id', '=', value('id'))
        ),
        /no value for id/
      )
    })
  })
}
