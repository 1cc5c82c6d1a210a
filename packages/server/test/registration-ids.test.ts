import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  keymanagerReferenceOf,
  mosipRegistrationId,
  utcTimestamp14
} from '../src/core/registration-id.js'
import { registrationIds } from '../src/pipeline/registration-ids.js'
import { createStore } from '../src/store/database.js'
import {
  REGISTRATION_SEQUENCE_MAX,
  nextRegistrationSequence,
  registrationSequenceSource
} from '../src/store/registration-sequence.js'
import {
  DIALECTS,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'

// 2026-03-09 08:05:07.250 UTC, 2026-03-09 10:05:07 in UTC+2.
const AT = Date.UTC(2026, 2, 9, 8, 5, 7, 250)

describe("MOSIP's registration id layout", () => {
  it('is centre (5) + machine (5) + sequence (5) + UTC yyyyMMddHHmmss (14): 29 digits', () => {
    const id = mosipRegistrationId('10001', '20042', 7, AT)
    assert.equal(id, '10001' + '20042' + '00007' + '20260309080507')
    assert.equal(id.length, 29)
    assert.equal(keymanagerReferenceOf(id), '10001_20042')
  })

  it('writes the time in UTC, whatever the time zone of the machine', () => {
    assert.equal(utcTimestamp14(AT), '20260309080507')
    assert.equal(utcTimestamp14(Date.UTC(1999, 11, 31, 23, 59, 59, 999)), '19991231235959')
  })

  it('refuses ids and sequences that do not fit it', () => {
    assert.throws(() => mosipRegistrationId('1001', '20042', 1, AT), /5-digit/)
    assert.throws(() => mosipRegistrationId('10001', 'A0042', 1, AT), /5-digit/)
    assert.throws(() => mosipRegistrationId('10001', '20042', 0, AT), /out of range/)
    assert.throws(() => mosipRegistrationId('10001', '20042', 100_000, AT), /out of range/)
  })

  it("keeps mosip-api's format available: the prefix and 10 random digits", async () => {
    const ids = registrationIds({
      format: 'reference',
      transactionIdPrefix: '10001',
      centerId: '',
      machineId: ''
    })
    const drawn = await Promise.all(Array.from({ length: 20 }, () => ids.next(undefined as never)))
    for (const id of drawn) assert.match(id, /^10001\d{10}$/)
    assert.ok(new Set(drawn.map((id) => id.slice(5, 10))).size > 1, 'characters 6-10 are random')
  })
})

for (const dialect of DIALECTS) {
  describe(`the registration sequence on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    let ctx: MigratedStore

    before(async () => {
      ctx = await createMigratedStore(dialect)
    })

    after(async () => {
      await ctx?.drop()
    })

    it('gives MOSIP-format ids from one machine the same first ten characters', async () => {
      const ids = registrationIds({
        format: 'mosip',
        transactionIdPrefix: '10001',
        centerId: '10001',
        machineId: '20042',
        clock: () => AT
      })
      const first = await ids.next(ctx.store.db)
      const second = await ctx.store.transaction((trx) => ids.next(trx))
      for (const id of [first, second]) assert.match(id, /^1000120042\d{5}20260309080507$/)
      assert.equal(Number(second.slice(10, 15)), Number(first.slice(10, 15)) + 1)
      assert.equal(keymanagerReferenceOf(first), keymanagerReferenceOf(second))
    })

    it('never gives a value twice to concurrent callers, in and out of transactions', async () => {
      // On PostgreSQL a second store stands for a second instance of the bridge. SQLite's
      // connections in one process would wait on each other's locks synchronously (instances on
      // one file are processes, each with its own thread), so it shares the store.
      const other = dialect === 'postgres' ? createStore(ctx.options, 4) : ctx.store
      try {
        const draws = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            i % 2 === 0
              ? nextRegistrationSequence(ctx.store.db)
              : other.transaction((trx) => nextRegistrationSequence(trx))
          )
        )
        assert.equal(new Set(draws).size, draws.length, 'every value is unique')
        for (const value of draws) assert.ok(value >= 1 && value <= REGISTRATION_SEQUENCE_MAX)
      } finally {
        if (other !== ctx.store) await other.close()
      }
    })

    it('gives unique values from the sources of two instances drawing at once', async () => {
      const other = dialect === 'postgres' ? createStore(ctx.options, 4) : ctx.store
      const [mine, theirs] = [registrationSequenceSource(8), registrationSequenceSource(8)]
      try {
        const draws = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            i % 2 === 0
              ? ctx.store.transaction((trx) => mine.next(trx))
              : other.transaction((trx) => theirs.next(trx))
          )
        )
        assert.equal(new Set(draws).size, draws.length, 'every value is unique')
        if (dialect === 'postgres') {
          // Drawn eight at a time: the sequence moved by a multiple of eight.
          const { sql } = await import('kysely')
          const before = await nextRegistrationSequence(ctx.store.db)
          const source = registrationSequenceSource(8)
          const first = await source.next(ctx.store.db)
          for (let i = 1; i < 8; i++) assert.equal(await source.next(ctx.store.db), first + i)
          const { rows } = await sql<{
            last_value: string
          }>`select last_value from registration_id_sequence`.execute(ctx.store.db)
          assert.equal(Number(rows[0]?.last_value), before + 8)
          assert.equal(first, before + 1)
        }
      } finally {
        if (other !== ctx.store) await other.close()
      }
    })

    it('starts again at 1 after 99999, as MOSIP does', async () => {
      const before = await nextRegistrationSequence(ctx.store.db)
      // Bring the sequence to its last value, then draw twice.
      const steps = REGISTRATION_SEQUENCE_MAX - before - 1
      if (dialect === 'postgres') {
        const { sql } = await import('kysely')
        await sql`select setval('registration_id_sequence', ${REGISTRATION_SEQUENCE_MAX - 1})`.execute(
          ctx.store.db
        )
      } else {
        const { sql } = await import('kysely')
        await sql`update registration_sequence set value = ${before + steps}`.execute(ctx.store.db)
      }
      assert.equal(await nextRegistrationSequence(ctx.store.db), REGISTRATION_SEQUENCE_MAX)
      assert.equal(await nextRegistrationSequence(ctx.store.db), 1)
      assert.equal(await nextRegistrationSequence(ctx.store.db), 2)
    })
  })
}
