import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { sql } from 'kysely'
import pino from 'pino'
import { Housekeeping } from '../src/pipeline/housekeeping.service.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { RetentionRepository } from '../src/store/retention.repository.js'
import { SecretBox } from '../src/store/secret-box.js'
import { WebsubInboxRepository } from '../src/store/websub-inbox.repository.js'
import { WebsubIntentsRepository } from '../src/store/websub-intents.repository.js'
import {
  DIALECTS,
  TEST_KEY,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'

const DAY = 24 * 60 * 60 * 1000

for (const dialect of DIALECTS) {
  describe(`retention on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    let ctx: MigratedStore
    const now = Date.UTC(2026, 11, 6)
    const old = now - 200 * DAY
    const recent = now - 10 * DAY

    before(async () => {
      ctx = await createMigratedStore(dialect)
    })
    after(() => ctx?.drop())

    it('forgets processed deliveries and the older history of finished registrations only', async () => {
      const box = new SecretBox(TEST_KEY)
      let clock = old
      const registrations = new RegistrationsRepository(ctx.store.db, box, () => clock)
      const inbox = new WebsubInboxRepository(ctx.store.db, box)
      const db = ctx.store.db

      // A registration confirmed long ago, one confirmed recently, one still waiting since long.
      for (const [id, final] of [
        ['100010000000001', true],
        ['100010000000002', true],
        ['100010000000003', false]
      ] as const) {
        clock = old
        await registrations.createOrFind(db, { id, kind: 'death', idempotencyKey: `k-${id}` })
        await registrations.transition(db, id, 'packet_created')
        await registrations.transition(db, id, 'submitted')
        if (final) {
          clock = id.endsWith('2') ? recent : old
          await registrations.transition(db, id, 'credential_received')
          await registrations.transition(db, id, 'confirmed', { reason: 'REGISTER_ACCEPTED' })
        }
      }
      // Deliveries: processed long ago, processed recently, kept for an operator long ago.
      for (const [eventId, state, at] of [
        ['old-processed', 'processed', old],
        ['recent-processed', 'processed', recent],
        ['old-kept', 'undecryptable', old]
      ] as const) {
        await inbox.record(db, { eventId, topic: 't', body: '{}' })
        await sql`update websub_inbox set state = ${state}, processed_at = ${at}, received_at = ${at} where event_id = ${eventId}`.execute(
          db
        )
      }

      // WebSub intents an operator asked for: one that expired long ago, one still pending.
      const intents = new WebsubIntentsRepository(ctx.store, () => old)
      await intents.request({
        mode: 'unsubscribe',
        topic: 't',
        requestedBy: 'cli:test',
        ttlMs: 60_000
      })
      const pending = await new WebsubIntentsRepository(ctx.store, () => now).request({
        mode: 'unsubscribe',
        topic: 't',
        requestedBy: 'cli:test',
        ttlMs: 60_000
      })

      const housekeeping = new Housekeeping({
        retention: new RetentionRepository(ctx.store),
        inboxRetentionMs: 30 * DAY,
        historyRetentionMs: 180 * DAY,
        logger: pino({ level: 'silent' }),
        clock: () => now
      })
      const purged = await housekeeping.purgeNow()
      assert.deepEqual(purged, { deliveries: 1, websubIntents: 1, historyEntries: 4 })
      assert.deepEqual(
        (await db.selectFrom('websub_intents').select('id').execute()).map((row) => Number(row.id)),
        [pending.id],
        'the pending intent stays'
      )

      const events = (await db.selectFrom('websub_inbox').select('event_id').execute())
        .map((row) => row.event_id)
        .sort()
      assert.deepEqual(events, ['old-kept', 'recent-processed'])
      const first = await registrations.history('100010000000001')
      assert.deepEqual(
        first.map((entry) => [entry.to_state, entry.reason]),
        [['confirmed', 'REGISTER_ACCEPTED']],
        'the final entry stays'
      )
      assert.ok(await registrations.get('100010000000001'), 'the registration row stays')
      assert.equal((await registrations.history('100010000000002')).length, 5)
      assert.equal((await registrations.history('100010000000003')).length, 3)
      assert.deepEqual(await housekeeping.purgeNow(), {
        deliveries: 0,
        websubIntents: 0,
        historyEntries: 0
      })
    })
  })
}
