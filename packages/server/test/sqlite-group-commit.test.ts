import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, sql } from 'kysely'
import { BridgeSqliteDialect } from '../src/store/sqlite-group-commit.js'

interface Schema {
  items: { id: number; name: string }
  children: { id: number; item_id: number }
}

/** A database file, the bridge's dialect on it, and a count of the commits SQLite ran. */
function open(path: string) {
  const sqlite = new SqliteDatabase(path)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('foreign_keys = ON')
  const counts = { commits: 0 }
  const prepare = sqlite.prepare.bind(sqlite)
  sqlite.prepare = ((source: string) => {
    if (/^\s*commit\b/i.test(source)) counts.commits++
    return prepare(source)
  }) as typeof sqlite.prepare
  const db = new Kysely<Schema>({ dialect: new BridgeSqliteDialect(sqlite) })
  return { db, sqlite, counts }
}

describe('SQLite group commit', () => {
  let dir: string
  let path: string
  let ctx: ReturnType<typeof open>

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'group-commit-'))
    path = join(dir, 'db.sqlite')
    ctx = open(path)
    await sql`create table items (id integer primary key, name text not null unique)`.execute(
      ctx.db
    )
    await sql`create table children (id integer primary key, item_id integer not null
      references items (id) deferrable initially deferred)`.execute(ctx.db)
    ctx.counts.commits = 0
  })

  afterEach(async () => {
    await ctx.db.destroy()
    rmSync(dir, { recursive: true, force: true })
  })

  /** What another connection (another process) sees: only what was committed. */
  function committedNames(): string[] {
    const other = new SqliteDatabase(path, { readonly: true })
    try {
      return (other.prepare('select name from items order by id').all() as { name: string }[]).map(
        (row) => row.name
      )
    } finally {
      other.close()
    }
  }

  it('commits the transactions and writes of one moment together, each durable when it resolves', async () => {
    const units = Array.from({ length: 20 }, (_, i) =>
      i % 2 === 0
        ? ctx.db.transaction().execute(async (trx) => {
            await trx
              .insertInto('items')
              .values({ id: i, name: `t${i}` })
              .execute()
            await trx
              .updateTable('items')
              .set({ name: `t${i}!` })
              .where('id', '=', i)
              .execute()
            return `t${i}!`
          })
        : ctx.db
            .insertInto('items')
            .values({ id: i, name: `w${i}` })
            .execute()
            .then(() => `w${i}`)
    )
    await Promise.all(
      units.map(async (unit) => {
        // Resolved only after the commit: another connection already sees the row.
        const name = await unit
        assert.ok(committedNames().includes(name), `${name} not in ${committedNames().join()}`)
      })
    )
    assert.equal(committedNames().length, 20)
    assert.ok(ctx.counts.commits < 5, `${ctx.counts.commits} commits for 20 units`)
  })

  it('rolls back only the transaction that threw; the others of its group commit', async () => {
    const results = await Promise.allSettled([
      ctx.db.insertInto('items').values({ id: 1, name: 'kept-1' }).execute(),
      ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 2, name: 'rolled-back' }).execute()
        throw new Error('handler failed')
      }),
      ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('items').values({ id: 3, name: 'kept-3' }).execute()
      }),
      // A failing statement outside a transaction fails alone.
      ctx.db.insertInto('items').values({ id: 4, name: 'kept-1' }).execute()
    ])
    assert.deepEqual(
      results.map((result) => result.status),
      ['fulfilled', 'rejected', 'fulfilled', 'rejected']
    )
    assert.deepEqual(committedNames(), ['kept-1', 'kept-3'])
  })

  it('rejects every unit of a group whose commit fails, and keeps none of it', async () => {
    await ctx.db.insertInto('items').values({ id: 1, name: 'before' }).execute()
    const results = await Promise.allSettled([
      ctx.db.insertInto('items').values({ id: 2, name: 'same-group' }).execute(),
      // A deferred foreign key is checked at the commit, which then fails.
      ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('children').values({ id: 1, item_id: 999 }).execute()
      })
    ])
    assert.deepEqual(
      results.map((result) => result.status),
      ['rejected', 'rejected']
    )
    assert.deepEqual(committedNames(), ['before'])
    // The connection goes on working.
    await ctx.db.insertInto('items').values({ id: 3, name: 'after' }).execute()
    assert.deepEqual(committedNames(), ['before', 'after'])
  })

  it('answers a read at once when no group is open, and runs checkpoints outside groups', async () => {
    await ctx.db.insertInto('items').values({ id: 1, name: 'one' }).execute()
    const commits = ctx.counts.commits
    const rows = await ctx.db.selectFrom('items').selectAll().execute()
    assert.equal(rows.length, 1)
    assert.equal(ctx.counts.commits, commits)
    const pending = ctx.db.insertInto('items').values({ id: 2, name: 'two' }).execute()
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(ctx.db)
    await pending
    assert.deepEqual(committedNames(), ['one', 'two'])
  })

  it('lets another connection write between groups', async () => {
    await ctx.db.insertInto('items').values({ id: 1, name: 'ours' }).execute()
    const other = new SqliteDatabase(path)
    other.pragma('busy_timeout = 2000')
    other.prepare(`insert into items (id, name) values (2, 'theirs')`).run()
    other.close()
    await ctx.db.insertInto('items').values({ id: 3, name: 'ours-again' }).execute()
    assert.deepEqual(committedNames(), ['ours', 'theirs', 'ours-again'])
  })
})
