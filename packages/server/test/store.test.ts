import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sql } from 'kysely'
import { WAL_CHECKPOINT_PAGES, createStore } from '../src/store/database.js'
import { migrateToLatest } from '../src/store/migrate.js'
import { migrationsFor } from '../src/store/migrations/index.js'
import { SecretBox } from '../src/store/secret-box.js'
import { OperatorQueries } from '../src/store/operator-queries.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { WebsubInboxRepository } from '../src/store/websub-inbox.repository.js'
import { JobQueue } from '../src/queue/job-queue.js'
import {
  DIALECTS,
  TEST_KEY,
  createMigratedStore,
  createTestDatabase,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'

const SECRET_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.secret-opencrvs-token-7f3a.signature'
const PERSONAL_NAME = 'Zanele-Mthembu-Unique-Name'

for (const dialect of DIALECTS) {
  describe(`store on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    let ctx: MigratedStore
    let registrations: RegistrationsRepository
    let inbox: WebsubInboxRepository
    const box = new SecretBox(TEST_KEY)

    before(async () => {
      ctx = await createMigratedStore(dialect)
      registrations = new RegistrationsRepository(ctx.store.db, box)
      inbox = new WebsubInboxRepository(ctx.store.db, box)
    })
    after(async () => ctx?.drop())

    it('applies migrations once; a second run has nothing to do', async () => {
      const report = await migrateToLatest(ctx.store)
      assert.deepEqual(report.applied, [])
      assert.deepEqual(report.alreadyApplied, Object.keys(migrationsFor(dialect)))
    })

    it('lets two instances migrate the same empty database at once', async () => {
      const database = await createTestDatabase(dialect)
      const stores = [createStore(database.options), createStore(database.options)]
      try {
        const reports = await Promise.all(stores.map((s) => migrateToLatest(s)))
        const applied = reports.flatMap((r) => r.applied)
        const all = Object.keys(migrationsFor(dialect))
        assert.deepEqual(applied, all, 'exactly one instance applied each migration')
        const rows = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(
          stores[0]!.db
        )
        assert.equal(Number(rows.rows[0]?.n), all.length)
      } finally {
        await Promise.all(stores.map((s) => s.close()))
        await database.drop()
      }
    })

    it('creates a registration once per idempotency key, with history', async () => {
      const input = {
        id: '100011234567890',
        kind: 'birth' as const,
        opencrvsEventId: 'event-1',
        opencrvsActionId: 'action-1',
        trackingId: 'TRK1',
        idempotencyKey: 'event-1/action-1',
        token: SECRET_TOKEN,
        payload: { child: { name: PERSONAL_NAME } }
      }
      const first = await registrations.createOrFind(ctx.store.db, input)
      assert.equal(first.created, true)
      assert.equal(first.registration.state, 'received')
      const second = await registrations.createOrFind(ctx.store.db, {
        ...input,
        id: '100019999999999'
      })
      assert.equal(second.created, false)
      assert.equal(second.registration.id, '100011234567890')
      assert.equal(await registrations.get('100019999999999'), undefined)

      await registrations.transition(ctx.store.db, input.id, 'packet_created', {
        reason: 'PACKET_CREATED'
      })
      await assert.rejects(
        registrations.transition(ctx.store.db, input.id, 'confirmed'),
        /cannot go from packet_created to confirmed/
      )
      await assert.rejects(
        registrations.transition(ctx.store.db, input.id, 'failed', { from: 'received' }),
        /is packet_created, expected received/
      )
      const history = await registrations.history(input.id)
      assert.deepEqual(
        history.map((h) => [h.from_state, h.to_state, h.reason]),
        [
          [null, 'received', null],
          ['received', 'packet_created', 'PACKET_CREATED']
        ]
      )
    })

    it('writes a state change and its history entry together, even outside a transaction', async () => {
      const id = '100011234567001'
      await registrations.createOrFind(ctx.store.db, {
        id,
        kind: 'birth',
        idempotencyKey: 'atomic-transition'
      })
      // The history entry of this one transition cannot be written.
      if (dialect === 'sqlite') {
        await sql`create trigger refuse_boom before insert on registration_history
          when new.reason = 'BOOM' begin select raise(abort, 'boom'); end`.execute(ctx.store.db)
      } else {
        await sql`create function refuse_boom() returns trigger language plpgsql as $$
          begin if new.reason = 'BOOM' then raise exception 'boom'; end if; return new; end $$`.execute(
          ctx.store.db
        )
        await sql`create trigger refuse_boom before insert on registration_history
          for each row execute function refuse_boom()`.execute(ctx.store.db)
      }
      await assert.rejects(
        registrations.transition(ctx.store.db, id, 'packet_created', { reason: 'BOOM' }),
        /boom/
      )
      assert.equal((await registrations.get(id))?.state, 'received', 'the state change undone')
      await registrations.transition(ctx.store.db, id, 'packet_created', {
        reason: 'PACKET_CREATED'
      })
      assert.deepEqual(
        (await registrations.history(id)).map((h) => h.reason),
        [null, 'PACKET_CREATED']
      )
    })

    it('rolls a registration back with its transaction', async () => {
      await assert.rejects(
        ctx.store.db.transaction().execute(async (trx) => {
          await registrations.createOrFind(trx, {
            id: '100010000000001',
            kind: 'death',
            opencrvsEventId: 'event-rollback',
            idempotencyKey: 'event-rollback'
          })
          throw new Error('abort')
        })
      )
      assert.equal(await registrations.get('100010000000001'), undefined)
    })

    it('seals secret columns: unreadable in the database, readable through the repository, wiped after', async () => {
      const id = '100012222222222'
      await registrations.createOrFind(ctx.store.db, {
        id,
        kind: 'birth',
        opencrvsEventId: 'event-secret',
        idempotencyKey: 'event-secret',
        token: SECRET_TOKEN,
        payload: { informant: { name: PERSONAL_NAME } }
      })
      await inbox.record(ctx.store.db, {
        eventId: 'evt-secret',
        topic: 'partner/CREDENTIAL_ISSUED',
        body: JSON.stringify({ credential: PERSONAL_NAME })
      })
      const raw = await sql<{ token_sealed: string; payload_sealed: string }>`
        select token_sealed, payload_sealed from registrations where id = ${id}`.execute(
        ctx.store.db
      )
      const row = raw.rows[0]!
      for (const value of [row.token_sealed, row.payload_sealed]) {
        assert.match(value, /^v1\.[0-9a-f]{8}\./)
        assert.ok(!value.includes('secret-opencrvs-token'))
        assert.ok(!value.includes(PERSONAL_NAME))
      }
      if (ctx.options.kind === 'sqlite') {
        await sql`pragma wal_checkpoint(TRUNCATE)`.execute(ctx.store.db)
        const path = ctx.options.sqlitePath
        for (const file of [path, `${path}-wal`]) {
          if (!existsSync(file)) continue
          const bytes = readFileSync(file)
          assert.equal(bytes.includes('secret-opencrvs-token'), false, `${file} holds the token`)
          assert.equal(bytes.includes(PERSONAL_NAME), false, `${file} holds personal data`)
        }
      }
      assert.equal(await registrations.readToken(id), SECRET_TOKEN)
      assert.deepEqual(await registrations.readPayload(id), { informant: { name: PERSONAL_NAME } })
      assert.equal(JSON.parse((await inbox.readBody('evt-secret'))!).credential, PERSONAL_NAME)

      await registrations.wipeSecrets(ctx.store.db, id, { token: true, payload: true })
      assert.equal(await registrations.readToken(id), undefined)
      assert.equal(await registrations.readPayload(id), undefined)
      const wiped = await registrations.get(id)
      assert.equal(wiped?.token_sealed, null)
      assert.equal(wiped?.payload_sealed, null)
    })

    it('refuses a sealed value copied into another row', async () => {
      const a = '100013333333333'
      const b = '100014444444444'
      for (const id of [a, b]) {
        await registrations.createOrFind(ctx.store.db, {
          id,
          kind: 'birth',
          opencrvsEventId: `event-${id}`,
          idempotencyKey: `key-${id}`,
          token: `token-of-${id}`
        })
      }
      const source = await registrations.get(a)
      await ctx.store.db
        .updateTable('registrations')
        .set({ token_sealed: source!.token_sealed })
        .where('id', '=', b)
        .execute()
      await assert.rejects(registrations.readToken(b), /failed authentication/)
    })

    it('stores each WebSub delivery once per event id and wipes its body when processed', async () => {
      const delivery = { eventId: 'evt-1', topic: 'crvs/CREDENTIAL_ISSUED', body: '{"a":1}' }
      assert.deepEqual(await inbox.record(ctx.store.db, delivery), { created: true })
      assert.deepEqual(await inbox.record(ctx.store.db, delivery), { created: false })
      await inbox.markProcessed(ctx.store.db, 'evt-1', 'processed')
      const row = await inbox.get('evt-1')
      assert.equal(row?.state, 'processed')
      assert.equal(row?.body_sealed, null)
      assert.ok(row?.processed_at)
    })

    it('returns epoch-millisecond columns as numbers', async () => {
      const row = await registrations.get('100011234567890')
      assert.equal(typeof row?.created_at, 'number')
      assert.ok(Math.abs(row!.created_at - Date.now()) < 60_000)
    })

    it('declares its capabilities, answers a ping and commits a transaction as a whole', async () => {
      assert.deepEqual(ctx.store.capabilities, {
        skipLocked: dialect === 'postgres',
        databaseClock: dialect === 'postgres'
      })
      await ctx.store.ping()
      const id = '100015555555555'
      await assert.rejects(
        ctx.store.transaction(async (trx) => {
          await registrations.createOrFind(trx, { id, kind: 'death', idempotencyKey: `key-${id}` })
          throw new Error('abandon')
        }),
        /abandon/
      )
      assert.equal(await registrations.get(id), undefined)
      const created = await ctx.store.transaction((trx) =>
        registrations.createOrFind(trx, { id, kind: 'death', idempotencyKey: `key-${id}` })
      )
      assert.equal(created.created, true)
      assert.equal((await registrations.get(id))?.state, 'received')
    })

    it('wipes a national id with the other secrets, and removes a registration with its history', async () => {
      const id = '100016666666666'
      await registrations.createOrFind(ctx.store.db, {
        id,
        kind: 'birth',
        opencrvsEventId: 'event-remove',
        registrationNumber: 'BRN-1',
        idempotencyKey: `key-${id}`,
        token: SECRET_TOKEN
      })
      await registrations.transition(ctx.store.db, id, 'packet_created', {
        changes: { national_id_sealed: registrations.sealNationalId(id, '1234567890') }
      })
      assert.equal(await registrations.readNationalId(id), '1234567890')
      await registrations.wipeSecrets(ctx.store.db, id, { nationalId: true })
      assert.equal(await registrations.readNationalId(id), undefined)
      assert.equal(await registrations.readToken(id), SECRET_TOKEN, 'only the national id went')

      assert.deepEqual(await registrations.remove(ctx.store.db, id), {
        opencrvs_event_id: 'event-remove',
        registration_number: 'BRN-1'
      })
      assert.equal(await registrations.get(id), undefined)
      assert.deepEqual(await registrations.history(id), [])
      assert.equal(await registrations.remove(ctx.store.db, id), undefined)
    })

    it('reopens only deliveries kept for an operator that still have their body', async () => {
      for (const [eventId, state, keepBody] of [
        ['evt-unmatched', 'unmatched', true],
        ['evt-wiped', 'unmatched', false],
        ['evt-processed', 'processed', true]
      ] as const) {
        await inbox.record(ctx.store.db, { eventId, topic: 't', body: '{}' })
        await inbox.markProcessed(ctx.store.db, eventId, state, { note: 'WHY', keepBody })
      }
      assert.equal(await inbox.reopenKept(ctx.store.db, 'evt-unmatched'), true)
      const reopened = await inbox.get('evt-unmatched')
      assert.equal(reopened?.state, 'received')
      assert.equal(reopened?.note, null)
      assert.equal(reopened?.processed_at, null)
      assert.equal(await inbox.reopenKept(ctx.store.db, 'evt-unmatched'), false, 'not kept now')
      assert.equal(await inbox.reopenKept(ctx.store.db, 'evt-wiped'), false)
      assert.equal(await inbox.reopenKept(ctx.store.db, 'evt-processed'), false)
      assert.equal(await inbox.reopenKept(ctx.store.db, 'evt-missing'), false)
    })

    it('answers operator queries without opening a sealed column', async () => {
      const fresh = await createMigratedStore(dialect)
      try {
        let now = 1_000_000
        const clock = () => now
        const repo = new RegistrationsRepository(fresh.store.db, box, clock)
        const deliveries = new WebsubInboxRepository(fresh.store.db, box, clock)
        const operator = new OperatorQueries(fresh.store.db)
        const make = async (
          id: string,
          kind: 'birth' | 'death',
          path: Array<Parameters<RegistrationsRepository['transition']>[2]>,
          tokenExpiresAt: number | null = null
        ) => {
          await repo.createOrFind(fresh.store.db, {
            id,
            kind,
            opencrvsEventId: `event-${id}`,
            idempotencyKey: `key-${id}`,
            token: 'token',
            tokenExpiresAt
          })
          now += 10
          for (const state of path) await repo.transition(fresh.store.db, id, state)
        }
        await make('r1', 'birth', ['failed', 'rejected'], 1_000_050)
        await make('r2', 'birth', ['packet_created'], 1_000_050)
        await make('r3', 'death', ['packet_created'], 9_000_000)
        now += 10
        await make('r4', 'death', [], null)

        assert.deepEqual(await operator.countByState(), {
          received: 1,
          packet_created: 2,
          rejected: 1
        })
        assert.deepEqual(
          (await operator.countByStateAndKind()).sort((a, b) =>
            `${a.state}${a.kind}`.localeCompare(`${b.state}${b.kind}`)
          ),
          [
            { state: 'packet_created', kind: 'birth', count: 1 },
            { state: 'packet_created', kind: 'death', count: 1 },
            { state: 'received', kind: 'death', count: 1 },
            { state: 'rejected', kind: 'birth', count: 1 }
          ]
        )
        assert.deepEqual(
          (await operator.unfinishedRegistrations()).map((row) => row.id),
          ['r2', 'r3', 'r4']
        )
        assert.equal(await operator.oldestUnfinishedCreatedAt(), 1_000_010)
        assert.deepEqual(await operator.countNeedingAttentionByReason(), [])
        await make('r5', 'birth', [])
        await repo.transition(fresh.store.db, 'r5', 'needs_attention', { reason: 'FIRST_REASON' })
        await repo.transition(fresh.store.db, 'r5', 'received', { reason: 'OPERATOR_RETRY' })
        await repo.transition(fresh.store.db, 'r5', 'needs_attention', { reason: 'LATEST_REASON' })
        await make('r6', 'birth', [])
        await repo.transition(fresh.store.db, 'r6', 'needs_attention', { reason: 'LATEST_REASON' })
        await make('r7', 'death', [])
        await repo.transition(fresh.store.db, 'r7', 'needs_attention', { reason: 'OTHER_REASON' })
        assert.deepEqual(
          (await operator.countNeedingAttentionByReason()).sort((a, b) =>
            a.reason.localeCompare(b.reason)
          ),
          [
            { reason: 'LATEST_REASON', count: 2 },
            { reason: 'OTHER_REASON', count: 1 }
          ],
          'counted once each, by the reason of the latest hand-over'
        )
        await fresh.store.transaction(async (trx) => {
          for (const id of ['r5', 'r6', 'r7']) await repo.remove(trx, id)
        })
        assert.equal(await operator.countTokensExpiringBefore(1_000_100), 1, 'r1 is final')
        assert.equal(await operator.countTokensExpiringBefore(10_000_000), 2, 'r4 has no expiry')
        assert.deepEqual(
          (await operator.recentRegistrations({ limit: 2 })).map((row) => row.id),
          ['r4', 'r3']
        )
        assert.deepEqual(
          (await operator.recentRegistrations({ state: 'packet_created' })).map((row) => row.id),
          ['r3', 'r2']
        )
        const recent = await operator.recentRegistrations()
        assert.ok(recent.every((row) => !('token_sealed' in row)))

        const detail = await operator.registration('r1')
        assert.equal(detail?.state, 'rejected')
        assert.deepEqual(detail?.kept, { token: true, payload: false, nationalId: false })
        assert.deepEqual(
          detail?.history.map((entry) => entry.to_state),
          ['received', 'failed', 'rejected']
        )
        assert.ok(!('token_sealed' in (detail ?? {})))
        assert.equal(await operator.registration('nope'), undefined)

        for (const [eventId, state] of [
          ['e1', 'processed'],
          ['e2', 'unmatched'],
          ['e3', 'unmatched']
        ] as const) {
          now += 10
          await deliveries.record(fresh.store.db, { eventId, topic: 't', body: '{}' })
          await deliveries.markProcessed(fresh.store.db, eventId, state, {
            note: state === 'unmatched' ? 'UNKNOWN_REGISTRATION' : null,
            keepBody: state === 'unmatched'
          })
        }
        assert.deepEqual(
          (await operator.countDeliveriesByState()).sort((a, b) => a.state.localeCompare(b.state)),
          [
            { state: 'processed', count: 1 },
            { state: 'unmatched', count: 2 }
          ]
        )
        assert.deepEqual(await operator.recentDeliveries({ state: 'unmatched', limit: 1 }), [
          {
            event_id: 'e3',
            state: 'unmatched',
            note: 'UNKNOWN_REGISTRATION',
            registration_id: null,
            received_at: now
          }
        ])

        const queue = new JobQueue(fresh.store, {
          maxAttempts: 1,
          backoff: { baseMs: 1, maxMs: 1 },
          clock
        })
        await queue.enqueue(fresh.store.db, 'a', {})
        await queue.enqueue(fresh.store.db, 'a', {})
        await queue.enqueue(fresh.store.db, 'b', {})
        const [claimed] = await queue.claim('w', 1, 1000)
        await queue.complete(claimed!)
        assert.deepEqual(
          (await operator.countUnfinishedJobs()).sort((a, b) => a.task.localeCompare(b.task)),
          [
            { task: 'a', state: 'queued', count: 1 },
            { task: 'b', state: 'queued', count: 1 }
          ]
        )
      } finally {
        await fresh.drop()
      }
    })
  })
}

describe('SQLite files', () => {
  it('creates the database, and so its WAL and shared-memory files, readable by the owner only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-sqlite-mode-'))
    try {
      const path = join(dir, 'nested', 'bridge.db')
      const store = createStore({ kind: 'sqlite', sqlitePath: path })
      await migrateToLatest(store)
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        assert.ok(existsSync(file), file)
        assert.equal(statSync(file).mode & 0o777, 0o600, file)
      }
      await store.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('lets the write-ahead log grow to WAL_CHECKPOINT_PAGES before copying it into the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bridge-sqlite-wal-'))
    try {
      const path = join(dir, 'bridge.db')
      const store = createStore({ kind: 'sqlite', sqlitePath: path })
      const setting = async (name: string) =>
        Object.values((await sql.raw(`pragma ${name}`).execute(store.db)).rows[0] as object)[0]
      assert.equal(await setting('journal_mode'), 'wal')
      assert.equal(await setting('synchronous'), 1)
      assert.equal(await setting('wal_autocheckpoint'), WAL_CHECKPOINT_PAGES)
      assert.equal(await setting('journal_size_limit'), WAL_CHECKPOINT_PAGES * 4096)
      // Some 1,500 pages, over SQLite's default of 1,000, in separate commits: still in the log.
      await sql`create table filler (body blob)`.execute(store.db)
      for (let i = 0; i < 150; i++) {
        await store.transaction(async (trx) => {
          for (let j = 0; j < 10; j++) {
            await sql`insert into filler values (randomblob(3000))`.execute(trx)
          }
        })
      }
      const logPages = statSync(`${path}-wal`).size / (4096 + 24)
      assert.ok(logPages > 1_400 && logPages < WAL_CHECKPOINT_PAGES, `log holds ${logPages} pages`)
      await store.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
