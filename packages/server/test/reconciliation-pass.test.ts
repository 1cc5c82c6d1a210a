import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { ok } from '../src/core/outcome.js'
import type { MosipStatusGateway, MosipStatusResult } from '../src/core/ports.js'
import { Reconciler } from '../src/pipeline/reconciliation.service.js'
import type { Tasks } from '../src/pipeline/tasks.js'
import { JobQueue } from '../src/queue/job-queue.js'
import { ReconciliationRepository } from '../src/store/reconciliation.repository.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { SecretBox } from '../src/store/secret-box.js'
import {
  DIALECTS,
  TEST_KEY,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'
import { registrationIds } from '../src/pipeline/registration-ids.js'

/** mosip-api's ids: the prefix and 10 random digits. */
const referenceIds = (prefix: string) =>
  registrationIds({ format: 'reference', transactionIdPrefix: prefix, centerId: '', machineId: '' })

const NOW = 1_800_000_000_000
const INTERVAL_MS = 300_000

/** MOSIP's status search answering PROCESSING for every id, recording the ids of each call. */
class ProcessingEverywhere implements MosipStatusGateway {
  readonly calls: string[][] = []
  async statusOf(ids: readonly string[]) {
    this.calls.push([...ids])
    return ok(
      ids.map((registrationId): MosipStatusResult => ({ registrationId, status: 'PROCESSING' }))
    )
  }
}

for (const dialect of DIALECTS) {
  describe(`reconciliation pass on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    let ctx: MigratedStore
    let reconciliation: ReconciliationRepository

    before(async () => {
      ctx = await createMigratedStore(dialect)
      reconciliation = new ReconciliationRepository(ctx.store, () => NOW)
    })
    after(async () => ctx?.drop())
    beforeEach(async () => {
      await ctx.store.db.deleteFrom('registrations').execute()
    })

    /** `count` registrations in `state`, submitted a minute ago and due at once. */
    async function seed(count: number, state = 'submitted', from = 0): Promise<string[]> {
      const ids = Array.from({ length: count }, (_, i) => String(10_000_000_000 + from + i))
      await ctx.store.db
        .insertInto('registrations')
        .values(
          ids.map((id, i) => ({
            id,
            kind: 'birth' as const,
            opencrvs_event_id: `event-${id}`,
            opencrvs_action_id: null,
            tracking_id: null,
            registration_number: null,
            state,
            attempts: 0,
            last_error: null,
            idempotency_key: `key-${id}`,
            token_sealed: null,
            token_expires_at: null,
            payload_sealed: null,
            national_id_sealed: null,
            credential_event_id: null,
            created_at: NOW - 120_000,
            updated_at: NOW - 60_000,
            mosip_id: null,
            mosip_status: null,
            mosip_checked_at: null,
            reconcile_at: NOW - 1000 + i,
            submitted_at: NOW - 60_000 + i
          }))
        )
        .execute()
      return ids
    }

    it('claims only submitted registrations that are due, at most the limit, once until the lease ends', async () => {
      const submitted = await seed(5)
      await seed(3, 'completed', 100)
      const first = await reconciliation.claim({ dueAt: NOW, limit: 3 }, NOW + 120_000)
      assert.deepEqual(
        first.map((row) => row.id),
        submitted.slice(0, 3)
      )
      assert.ok(first.every((row) => row.reconcile_at === NOW + 120_000))
      const second = await reconciliation.claim({ dueAt: NOW, limit: 10 }, NOW + 120_000)
      assert.deepEqual(
        second.map((row) => row.id),
        submitted.slice(3)
      )
      assert.deepEqual(await reconciliation.claim({ dueAt: NOW, limit: 10 }, NOW + 120_000), [])
      const completed = await ctx.store.db
        .selectFrom('registrations')
        .select('reconcile_at')
        .where('state', '=', 'completed')
        .execute()
      assert.ok(completed.every((row) => row.reconcile_at !== NOW + 120_000))
    })

    it('checks every submitted registration once in a manual pass, 100 ids a request, and records the answers', async () => {
      const ids = await seed(250)
      await seed(20, 'completed', 1000)
      const status = new ProcessingEverywhere()
      const reconciler = new Reconciler({
        store: ctx.store,
        registrations: new RegistrationsRepository(ctx.store.db, new SecretBox(TEST_KEY)),
        reconciliation,
        queue: new JobQueue<Tasks>(ctx.store, {
          maxAttempts: 3,
          backoff: { baseMs: 100, maxMs: 1000 }
        }),
        status,
        settings: {
          afterMs: 0,
          intervalMs: INTERVAL_MS,
          maxIntervalMs: 8 * INTERVAL_MS,
          resubmitLimit: 2
        },
        rejectOnFailure: true,
        registrationIds: referenceIds('10001'),
        logger: pino({ level: 'silent' }),
        clock: () => NOW
      })
      const report = await reconciler.runPass({ olderThanMs: 0 })
      assert.equal(report.checked, 250)
      assert.deepEqual(report.actions, { 'keep-checking': 250 })
      assert.deepEqual(
        status.calls.map((call) => call.length),
        [100, 100, 50]
      )
      assert.deepEqual(status.calls.flat().sort(), ids)
      const rows = await ctx.store.db
        .selectFrom('registrations')
        .select(['state', 'mosip_status', 'mosip_checked_at', 'reconcile_at'])
        .where('state', '=', 'submitted')
        .execute()
      assert.equal(rows.length, 250)
      for (const row of rows) {
        assert.equal(row.mosip_status, 'PROCESSING')
        assert.equal(row.mosip_checked_at, NOW)
        assert.ok(row.reconcile_at !== null && row.reconcile_at > NOW, 'the next check is later')
      }
    })
  })
}
