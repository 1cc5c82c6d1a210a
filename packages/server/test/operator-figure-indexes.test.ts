import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect, type CompiledQuery } from 'kysely'
import pg from 'pg'
import { FINAL_STATES } from '../src/core/registration-state.js'
import { UNFINISHED_PREDICATE } from '../src/store/migrations/0010-operator-figure-indexes.js'
import { OperatorQueries } from '../src/store/operator-queries.js'
import type { Database } from '../src/store/schema.js'
import {
  DIALECTS,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'

/**
 * The figures read at every metrics scrape, by `status` and by the console's overview must not
 * read every registration: each is answered from an index (a partial one where it counts only
 * some states). Checked on the plans the databases choose for the statements the queries send.
 */
const FIGURES: Array<{
  name: string
  index: string
  run: (operator: OperatorQueries) => Promise<unknown>
}> = [
  {
    name: 'stalled registrations',
    index: 'registrations_submitted_idx',
    run: (o) => o.countStalled(Date.now())
  },
  {
    name: "registrations by MOSIP's last answer",
    index: 'registrations_submitted_idx',
    run: (o) => o.countSubmittedByMosipStatus()
  },
  {
    name: 'the oldest unfinished registration',
    index: 'registrations_unfinished_idx',
    run: (o) => o.oldestUnfinishedCreatedAt()
  },
  {
    name: 'unfinished registrations, oldest first',
    index: 'registrations_unfinished_idx',
    run: (o) => o.unfinishedRegistrations(10)
  },
  {
    name: 'tokens about to expire',
    index: 'registrations_token_expiry_idx',
    run: (o) => o.countTokensExpiringBefore(Date.now())
  }
]

it("the unfinished-registration indexes leave out exactly the state machine's final states", () => {
  const text = UNFINISHED_PREDICATE.compile(
    new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool() }) })
  ).sql
  const listed = [...text.matchAll(/'([a-z_]+)'/g)].map((match) => match[1])
  assert.deepEqual([...listed].sort(), [...FINAL_STATES].sort())
})

for (const dialect of DIALECTS) {
  describe(
    `operator figures from indexes on ${dialect}`,
    await dialectSuiteOptions(dialect),
    () => {
      let ctx: MigratedStore
      let logged: Kysely<Database>
      let statements: CompiledQuery[]
      let explain: (query: CompiledQuery) => Promise<string>
      let close: () => Promise<void>

      before(async () => {
        ctx = await createMigratedStore(dialect)
        statements = []
        const log = (event: { query: CompiledQuery }) => void statements.push(event.query)
        if (ctx.options.kind === 'sqlite') {
          const sqlite = new SqliteDatabase(ctx.options.sqlitePath)
          logged = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }), log })
          explain = async (query) =>
            sqlite
              .prepare(`explain query plan ${query.sql}`)
              .all(...(query.parameters as unknown[]))
              .map((row) => (row as { detail: string }).detail)
              .join('\n')
          close = () => logged.destroy()
        } else {
          const pool = new pg.Pool({ connectionString: ctx.options.url, max: 1 })
          logged = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log })
          // The tables are nearly empty: with sequential scans made as dear as possible, the plan
          // shows which index PostgreSQL can use for the statement.
          explain = async (query) => {
            const client = await pool.connect()
            try {
              await client.query('set enable_seqscan = off')
              const result = await client.query<{ 'QUERY PLAN': string }>(
                `explain ${query.sql}`,
                query.parameters as unknown[]
              )
              return result.rows.map((row) => row['QUERY PLAN']).join('\n')
            } finally {
              await client.query('reset enable_seqscan')
              client.release()
            }
          }
          close = () => logged.destroy()
        }
      })

      after(async () => {
        await close?.()
        await ctx?.drop()
      })

      for (const figure of FIGURES) {
        it(`reads ${figure.name} from ${figure.index}`, async () => {
          statements.length = 0
          await figure.run(new OperatorQueries(logged))
          assert.equal(statements.length, 1)
          const plan = await explain(statements[0]!)
          assert.match(plan, new RegExp(figure.index), plan)
          if (dialect === 'sqlite') {
            assert.doesNotMatch(plan, /SCAN registrations(?! USING)/, plan)
          }
        })
      }
    }
  )
}
