import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { waitFor } from '@mosip-bridge/test-support'
import { ok, retry, type Outcome } from '../src/core/outcome.js'
import type { MosipStatusGateway, MosipStatusResult } from '../src/core/ports.js'
import { Reconciler, type ReconcilerDeps } from '../src/pipeline/reconciliation.service.js'
import type { Tasks } from '../src/pipeline/tasks.js'
import type { JobContext } from '../src/queue/job-runner.js'
import type { Store } from '../src/store/database.js'
import { createStore } from '../src/store/database.js'
import { ReconciliationRepository } from '../src/store/reconciliation.repository.js'
import { RegistrationsRepository } from '../src/store/registrations.repository.js'
import { SecretBox } from '../src/store/secret-box.js'
import { DIALECTS, TEST_KEY, dialectSuiteOptions } from './helpers/databases.js'
import { createPipelineHarness, type PipelineHarness } from './helpers/pipeline-harness.js'
import { registrationIds } from '../src/pipeline/registration-ids.js'

/** mosip-api's ids: the prefix and 10 random digits. */
const referenceIds = (prefix: string) =>
  registrationIds({ format: 'reference', transactionIdPrefix: prefix, centerId: '', machineId: '' })

/** What the fake MOSIP answers about one id: a status, "not known", or an error about the id. */
type Answer = { status: string } | { unknown: true } | { error: { code: string; message: string } }

/**
 * MOSIP's status search: answers per MOSIP id (PROCESSING when none was set), the whole call
 * failing while `down` is set, and every id it was asked about counted.
 */
class FakeStatus implements MosipStatusGateway {
  readonly answers = new Map<string, Answer>()
  readonly asked = new Map<string, number>()
  calls = 0
  down: Outcome<never> | undefined
  delayMs = 0

  async statusOf(ids: readonly string[]): Promise<Outcome<MosipStatusResult[]>> {
    this.calls += 1
    for (const id of ids) this.asked.set(id, (this.asked.get(id) ?? 0) + 1)
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs))
    if (this.down) return this.down
    return ok(
      ids.map(
        (registrationId) =>
          ({
            registrationId,
            ...(this.answers.get(registrationId) ?? { status: 'PROCESSING' })
          }) as MosipStatusResult
      )
    )
  }
}

const SETTINGS = { afterMs: 1_000, intervalMs: 1_000, maxIntervalMs: 8_000, resubmitLimit: 2 }
const silent = pino({ level: 'silent' })

/**
 * `Reconciler.runPass` with a fake status search, on the pipeline's real jobs and database:
 * each decision is checked on the registration, its MOSIP ids and the jobs it queued, and the
 * jobs are then run to see the registration end.
 */
for (const dialect of DIALECTS) {
  describe(`reconciliation passes, on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    let h: PipelineHarness | undefined
    const extraStores: Store[] = []
    /** The reconcilers' time: ahead of the wall clock by `ahead` ms. */
    let ahead = 0
    const clock = () => Date.now() + ahead

    afterEach(async () => {
      for (const store of extraStores.splice(0)) await store.close()
      await h?.drop()
      h = undefined
      ahead = 0
    })

    async function setup(): Promise<PipelineHarness> {
      h = await createPipelineHarness(dialect, { reconcileAfterMs: SETTINGS.afterMs })
      return h
    }

    function reconciler(
      status: MosipStatusGateway,
      options: Partial<Pick<ReconcilerDeps, 'claimLeaseMs' | 'store'>> = {}
    ): Reconciler {
      const store = options.store ?? h!.ctx.store
      const registrations =
        store === h!.ctx.store ? h!.registrations : new RegistrationsRepository(store.db, box())
      return new Reconciler({
        store,
        registrations,
        reconciliation: new ReconciliationRepository(store, clock),
        queue: h!.queue,
        status,
        settings: SETTINGS,
        rejectOnFailure: true,
        registrationIds: referenceIds('10003'),
        logger: silent,
        clock,
        ...(options.claimLeaseMs !== undefined ? { claimLeaseMs: options.claimLeaseMs } : {})
      })
    }

    const box = () => new SecretBox(TEST_KEY)

    function contextOf(job: JobContext['job']): JobContext {
      return { job, signal: new AbortController().signal, logger: silent }
    }

    /** Runs the next due job to its end, as a runner would, and returns its task and key. */
    async function runNext(): Promise<{ task: string; key: string | null }> {
      const [job] = await h!.queue.claim('runner', 1, 5_000)
      assert.ok(job, 'a job to run')
      const handler = h!.handlers[job.task as keyof Tasks] as (
        payload: unknown,
        context: JobContext
      ) => Promise<void>
      try {
        await handler(JSON.parse(job.payload), contextOf(job))
        await h!.queue.complete(job)
      } catch (error) {
        await h!.queue.fail(job, error)
      }
      return { task: job.task, key: job.job_key }
    }

    /** A registration accepted and submitted to MOSIP, as the pipeline leaves it. */
    async function submitted(id: string, kind: 'birth' | 'death' | 'update') {
      const created = await h!.register(id, kind)
      assert.equal((await runNext()).task, 'submit-packet')
      assert.equal((await h!.registrations.get(id))?.state, 'submitted')
      return created
    }

    async function row(id: string) {
      const found = await h!.registrations.get(id)
      assert.ok(found, `registration ${id}`)
      return found
    }

    async function jobKeysOf(task: string): Promise<Array<string | null>> {
      return (await h!.queue.list({ task })).map((job) => job.job_key)
    }

    /** Makes every submitted registration due (the reconcilers' time moves past reconcile_at). */
    function advance(ms: number): void {
      ahead += ms
    }

    it('REJECTED fails the registration, queues its rejection, and the rejection is made in OpenCRVS', async () => {
      await setup()
      const id = '100030000000101'
      const { eventId } = await submitted(id, 'birth')
      const status = new FakeStatus()
      status.answers.set(id, { status: 'REJECTED' })
      advance(2_000)
      const outcomes: string[] = []
      const report = await reconciler(status).runPass({
        onOutcome: (o) => outcomes.push(`${o.registrationId}:${o.answer}:${o.action}`)
      })
      assert.deepEqual(outcomes, [`${id}:REJECTED:fail`])
      assert.deepEqual(report.actions, { fail: 1 })
      const failed = await row(id)
      assert.equal(failed.state, 'failed')
      assert.match(failed.last_error ?? '', /REJECTED/)
      assert.equal(failed.mosip_status, 'REJECTED')
      assert.equal(failed.reconcile_at, null)
      const last = (await h!.registrations.history(id)).at(-1)
      assert.equal(last?.reason, 'MOSIP_REJECTED')
      assert.deepEqual(await jobKeysOf('reject-registration'), [`reject:${id}`])
      assert.equal((await runNext()).task, 'reject-registration')
      assert.equal((await row(id)).state, 'rejected')
      assert.deepEqual(
        h!.opencrvs.mutations.map((m) => m.kind),
        ['reject']
      )
      assert.ok(h!.opencrvs.events.get(eventId)?.actions.some((a) => a.status === 'Rejected'))
    })

    it('REPROCESS_FAILED fails the registration with its own code', async () => {
      await setup()
      const id = '100030000000102'
      await submitted(id, 'death')
      const status = new FakeStatus()
      status.answers.set(id, { status: 'REPROCESS_FAILED' })
      advance(2_000)
      await reconciler(status).runPass({})
      const failed = await row(id)
      assert.equal(failed.state, 'failed')
      assert.match(failed.last_error ?? '', /REPROCESS_FAILED/)
      assert.equal((await h!.registrations.history(id)).at(-1)?.reason, 'MOSIP_REPROCESS_FAILED')
      assert.deepEqual(await jobKeysOf('reject-registration'), [`reject:${id}`])
    })

    it('a death MOSIP PROCESSED is confirmed in OpenCRVS without a credential', async () => {
      await setup()
      const id = '100030000000103'
      const { eventId } = await submitted(id, 'death')
      const status = new FakeStatus()
      status.answers.set(id, { status: 'PROCESSED' })
      advance(2_000)
      await reconciler(status).runPass({})
      assert.equal((await row(id)).state, 'credential_received')
      assert.deepEqual(await jobKeysOf('confirm-registration'), [`confirm:${id}:MOSIP_PROCESSED`])
      assert.equal((await runNext()).task, 'confirm-registration')
      assert.equal((await row(id)).state, 'confirmed')
      assert.deepEqual(
        h!.opencrvs.mutations.map((m) => m.kind),
        ['accept']
      )
      assert.ok(h!.opencrvs.events.get(eventId)?.actions.some((a) => a.status === 'Accepted'))
    })

    it('an update MOSIP reports UIN_GENERATED is completed and its secrets wiped', async () => {
      await setup()
      const id = '100030000000104'
      await submitted(id, 'update')
      const status = new FakeStatus()
      status.answers.set(id, { status: 'UIN_GENERATED' })
      advance(2_000)
      await reconciler(status).runPass({})
      const done = await row(id)
      assert.equal(done.state, 'completed')
      assert.equal(done.payload_sealed, null)
      assert.equal(done.token_sealed, null)
      assert.equal(done.reconcile_at, null)
      assert.deepEqual(await jobKeysOf('confirm-registration'), [])
      assert.equal(h!.opencrvs.mutations.length, 0)
    })

    it('a birth MOSIP reports UIN_GENERATED needs attention; its credential delivered later completes it', async () => {
      await setup()
      const id = '100030000000105'
      await submitted(id, 'birth')
      const status = new FakeStatus()
      status.answers.set(id, { status: 'UIN_GENERATED' })
      advance(2_000)
      await reconciler(status).runPass({})
      const waiting = await row(id)
      assert.equal(waiting.state, 'needs_attention')
      assert.equal(
        (await h!.registrations.history(id)).at(-1)?.reason,
        'MOSIP_ISSUED_NO_CREDENTIAL'
      )
      assert.equal(waiting.reconcile_at, null)
      // Not checked again: it left `submitted`.
      advance(60_000)
      const again = await reconciler(status).runPass({})
      assert.equal(again.checked, 0)

      await h!.deliverCredential('mosip-event-late', id)
      assert.equal((await runNext()).task, 'process-credential')
      assert.equal((await row(id)).state, 'credential_received')
      assert.equal((await runNext()).task, 'confirm-registration')
      assert.equal((await row(id)).state, 'confirmed')
      assert.equal(h!.opencrvs.mutations.length, 1)
    })

    it('RESEND submits the packet again under a new MOSIP id, which a credential then names', async () => {
      await setup()
      const id = '100030000000106'
      await submitted(id, 'birth')
      const status = new FakeStatus()
      status.answers.set(id, { status: 'RESEND' })
      advance(2_000)
      const report = await reconciler(status).runPass({})
      assert.deepEqual(report.actions, { resubmit: 1 })
      const resent = await row(id)
      assert.equal(resent.state, 'received')
      assert.equal(resent.resubmissions, 1)
      assert.ok(resent.mosip_id, 'a new MOSIP id')
      assert.notEqual(resent.mosip_id, id)
      assert.match(resent.mosip_id, /^10003\d{10}$/)
      const ids = await new ReconciliationRepository(h!.ctx.store).mosipIdsOf(id)
      assert.deepEqual(ids, [id, resent.mosip_id])
      assert.deepEqual(await jobKeysOf('submit-packet'), [
        `submit:${id}:resubmit-1`,
        `submit:${id}`
      ])

      assert.equal((await runNext()).key, `submit:${id}:resubmit-1`)
      assert.ok(h!.mosip.created.has(resent.mosip_id), 'the packet manager got the new id')
      assert.ok(h!.mosip.started.has(resent.mosip_id))
      assert.equal((await row(id)).state, 'submitted')

      // The next check asks MOSIP about the new id, not the old one.
      status.answers.set(resent.mosip_id, { status: 'PROCESSING' })
      status.asked.clear()
      advance(5_000)
      await reconciler(status).runPass({})
      assert.deepEqual([...status.asked.keys()], [resent.mosip_id])

      await h!.deliverCredential('mosip-event-new-id', resent.mosip_id)
      assert.equal((await runNext()).task, 'process-credential')
      assert.equal((await row(id)).state, 'credential_received')
      assert.equal((await runNext()).task, 'confirm-registration')
      assert.equal((await row(id)).state, 'confirmed')
    })

    it('an id MOSIP does not know is submitted again under the same id', async () => {
      await setup()
      const id = '100030000000107'
      await submitted(id, 'death')
      const status = new FakeStatus()
      status.answers.set(id, { unknown: true })
      advance(2_000)
      await reconciler(status).runPass({})
      const again = await row(id)
      assert.equal(again.state, 'received')
      assert.equal(again.mosip_id, null, 'the same MOSIP id')
      assert.equal(again.resubmissions, 1)
      assert.equal(again.mosip_status, 'RPR-RGS-031')
      assert.deepEqual(await new ReconciliationRepository(h!.ctx.store).mosipIdsOf(id), [id])
      assert.equal((await h!.registrations.history(id)).at(-1)?.reason, 'MOSIP_RESUBMIT_UNKNOWN_ID')
      const before = h!.mosip.calls.createPacket
      assert.equal((await runNext()).key, `submit:${id}:resubmit-1`)
      assert.equal(h!.mosip.calls.createPacket, before + 1)
      assert.equal((await row(id)).state, 'submitted')
    })

    it('after the resubmission limit an operator is asked', async () => {
      await setup()
      const id = '100030000000108'
      await submitted(id, 'birth')
      const status = new FakeStatus()
      status.answers.set(id, { unknown: true })
      for (let n = 1; n <= SETTINGS.resubmitLimit; n++) {
        advance(2_000)
        await reconciler(status).runPass({})
        assert.equal((await row(id)).resubmissions, n)
        assert.equal((await runNext()).key, `submit:${id}:resubmit-${n}`)
        assert.equal((await row(id)).state, 'submitted')
      }
      advance(2_000)
      await reconciler(status).runPass({})
      const handed = await row(id)
      assert.equal(handed.state, 'needs_attention')
      assert.equal(
        (await h!.registrations.history(id)).at(-1)?.reason,
        'MOSIP_KEEPS_NOT_KNOWING_ID'
      )
      assert.equal(handed.reconcile_at, null)
    })

    it('PROCESSING keeps checking, each time less often while the answer stays the same (capped)', async () => {
      await setup()
      const id = '100030000000109'
      await submitted(id, 'birth')
      const status = new FakeStatus()
      advance(2_000)
      const delays: number[] = []
      const unchanged: number[] = []
      for (let n = 0; n < 6; n++) {
        const checkedAt = clock()
        const report = await reconciler(status).runPass({})
        assert.equal(report.checked, 1, `check ${n} made`)
        const checked = await row(id)
        assert.equal(checked.state, 'submitted')
        assert.equal(checked.mosip_status, 'PROCESSING')
        delays.push(Number(checked.reconcile_at) - checkedAt)
        unchanged.push(checked.mosip_unchanged_checks)
        // Just before it is due, nothing is checked; at the time, it is.
        ahead += Number(checked.reconcile_at) - clock() - 50
        assert.equal((await reconciler(status).runPass({})).checked, 0, 'not due yet')
        advance(100)
      }
      assert.deepEqual(unchanged, [0, 1, 2, 3, 4, 5])
      // interval × 2^unchanged, capped at the maximum interval (tolerating the time the pass took).
      const expected = [1_000, 2_000, 4_000, 8_000, 8_000, 8_000]
      delays.forEach((delay, n) => {
        assert.ok(
          delay >= expected[n]! && delay < expected[n]! + 500,
          `delay ${n}: ${delay} ms, expected ${expected[n]}`
        )
      })
    })

    it('an error about one id postpones that one without changing its state; the others go on', async () => {
      await setup()
      const [a, b] = ['100030000000110', '100030000000111']
      await submitted(a, 'death')
      await submitted(b, 'death')
      const status = new FakeStatus()
      status.answers.set(a, { error: { code: 'RPR-RGS-999', message: 'odd' } })
      status.answers.set(b, { status: 'PROCESSED' })
      advance(2_000)
      const now = clock()
      const report = await reconciler(status).runPass({})
      assert.equal(report.postponed, 1)
      assert.deepEqual(report.actions, { finish: 1 })
      const postponed = await row(a)
      assert.equal(postponed.state, 'submitted')
      assert.equal(postponed.mosip_status, null)
      assert.ok(Number(postponed.reconcile_at) >= now + SETTINGS.intervalMs)
      assert.equal((await row(b)).state, 'credential_received')
    })

    it('a failed status call postpones the batch without any state change and stops the pass', async () => {
      await setup()
      const ids = ['100030000000112', '100030000000113']
      for (const id of ids) await submitted(id, 'birth')
      const status = new FakeStatus()
      status.down = retry('MOSIP_UNREACHABLE', 'MOSIP did not answer')
      advance(2_000)
      const now = clock()
      const report = await reconciler(status).runPass({})
      assert.equal(report.stoppedBy?.code, 'MOSIP_UNREACHABLE')
      assert.equal(report.postponed, 2)
      assert.equal(status.calls, 1)
      for (const id of ids) {
        const waiting = await row(id)
        assert.equal(waiting.state, 'submitted')
        assert.equal(waiting.mosip_status, null)
        assert.ok(Number(waiting.reconcile_at) >= now + SETTINGS.intervalMs)
      }
      assert.equal((await reconciler(status).runPass({})).checked, 0, 'postponed, not due')
      status.down = undefined
      for (const id of ids) status.answers.set(id, { status: 'REJECTED' })
      advance(SETTINGS.intervalMs + 100)
      assert.deepEqual((await reconciler(status).runPass({})).actions, { fail: 2 })
    })

    it('a registration not due yet is neither claimed nor asked about', async () => {
      await setup()
      const id = '100030000000114'
      await submitted(id, 'birth')
      const status = new FakeStatus()
      const report = await reconciler(status).runPass({})
      assert.equal(report.checked, 0)
      assert.equal(status.calls, 0)
      const untouched = await row(id)
      assert.equal(untouched.mosip_checked_at, null)
      assert.ok(Number(untouched.reconcile_at) > Date.now(), 'its next check unchanged')
    })

    it('a dry run asks MOSIP and reports, and changes nothing', async () => {
      await setup()
      const ids = ['100030000000115', '100030000000116']
      for (const id of ids) await submitted(id, 'birth')
      const before = await Promise.all(ids.map(row))
      const status = new FakeStatus()
      status.answers.set(ids[0]!, { status: 'REJECTED' })
      status.answers.set(ids[1]!, { status: 'RESEND' })
      advance(2_000)
      const outcomes: string[] = []
      const report = await reconciler(status).runPass({
        dryRun: true,
        onOutcome: (o) => outcomes.push(`${o.answer}:${o.action}`)
      })
      assert.deepEqual(outcomes.sort(), ['REJECTED:fail', 'RESEND:resubmit'])
      assert.equal(report.checked, 2)
      assert.deepEqual(await Promise.all(ids.map(row)), before)
      assert.deepEqual(await jobKeysOf('reject-registration'), [])
      assert.equal((await jobKeysOf('submit-packet')).length, 2)
    })

    it('a manual pass checks every old enough registration once, due or not', async () => {
      await setup()
      const ids = ['100030000000117', '100030000000118', '100030000000119']
      for (const id of ids) await submitted(id, 'birth')
      const status = new FakeStatus()
      // None is due (reconcile_at is a second ahead); the manual pass takes them anyway.
      const report = await reconciler(status).runPass({ olderThanMs: 0 })
      assert.equal(report.checked, 3)
      assert.deepEqual(
        ids.map((id) => status.asked.get(id)),
        [1, 1, 1]
      )
      for (const id of ids) assert.equal((await row(id)).mosip_status, 'PROCESSING')
      // Not old enough: nothing.
      assert.equal((await reconciler(status).runPass({ olderThanMs: 3_600_000 })).checked, 0)
    })

    it('a claim never recorded (a crash mid-check) is claimable again once its lease is over', async () => {
      await setup()
      const id = '100030000000120'
      await submitted(id, 'birth')
      advance(2_000)
      // The first instance claims and then never answers: MOSIP's answer never comes.
      const hung: MosipStatusGateway = { statusOf: () => new Promise(() => undefined) }
      void reconciler(hung, { claimLeaseMs: 500 }).runPass({})
      const status = new FakeStatus()
      await waitFor('the hung claim', async () => Number((await row(id)).reconcile_at) > clock())
      assert.equal((await reconciler(status).runPass({})).checked, 0, 'held by the lease')
      assert.equal(status.calls, 0)
      advance(600)
      status.answers.set(id, { status: 'REJECTED' })
      assert.equal((await reconciler(status).runPass({})).checked, 1, 'claimable again')
      assert.equal((await row(id)).state, 'failed')
    })

    /** `count` registrations submitted long ago and due, written straight to the store. */
    async function dueRows(count: number): Promise<string[]> {
      const ids = Array.from({ length: count }, (_, n) => `10003${String(n).padStart(10, '0')}`)
      await h!.ctx.store.db
        .insertInto('registrations')
        .values(
          ids.map((id, n) => ({
            id,
            kind: 'death' as const,
            idempotency_key: `due-${id}`,
            attempts: 0,
            state: 'submitted',
            created_at: 1_000 + n,
            updated_at: 1_000 + n,
            submitted_at: 1_000 + n,
            reconcile_at: 1_000 + n
          }))
        )
        .execute()
      return ids
    }

    it('a claim takes at most its limit, the longest due first', async () => {
      await setup()
      const ids = await dueRows(12)
      const repository = new ReconciliationRepository(h!.ctx.store, clock)
      const claimed = await repository.claim({ dueAt: clock(), limit: 5 }, clock() + 60_000)
      assert.deepEqual(
        claimed.map((r) => r.id),
        ids.slice(0, 5)
      )
      const rest = await repository.count({ dueAt: clock() })
      assert.equal(rest, 7, 'the others are still due')
    })

    it('a pass asks MOSIP about at most 100 ids at a time, and stops at its max', async () => {
      await setup()
      const ids = await dueRows(230)
      const status = new FakeStatus()
      const sizes: number[] = []
      const statusOf = status.statusOf.bind(status)
      status.statusOf = (asked) => {
        sizes.push(asked.length)
        return statusOf(asked)
      }
      const limited = await reconciler(status).runPass({ max: 30 })
      assert.equal(limited.checked, 30)
      assert.deepEqual(sizes, [30])
      const rest = await reconciler(status).runPass({})
      assert.equal(rest.checked, 200)
      assert.deepEqual(sizes, [30, 100, 100])
      assert.equal(status.asked.size, ids.length)
      assert.ok([...status.asked.values()].every((n) => n === 1))
    })

    /** A status search that answers only when released, with the answers set by then. */
    function heldStatus(): FakeStatus & { release(): void; asking(): number } {
      const status = new FakeStatus()
      let release!: () => void
      const held = new Promise<void>((resolve) => (release = resolve))
      const statusOf = status.statusOf.bind(status)
      let asking = 0
      status.statusOf = async (ids) => {
        asking += 1
        await held
        return statusOf(ids)
      }
      return Object.assign(status, { release, asking: () => asking })
    }

    it('an answer about a submission made before the registration was submitted again changes nothing', async () => {
      await setup()
      const id = '100030000000121'
      await submitted(id, 'birth')
      advance(2_000)
      // A scheduled pass claims the registration; a manual pass (run by an operator meanwhile)
      // takes it too, since it checks everything submitted, due or not. Both wait for MOSIP.
      const scheduled = heldStatus()
      const manual = heldStatus()
      const first = reconciler(scheduled).runPass({})
      await waitFor(
        'the scheduled claim',
        async () => Number((await row(id)).reconcile_at) > clock() + 60_000
      )
      const outcomes: string[] = []
      const second = reconciler(manual).runPass({
        olderThanMs: 0,
        onOutcome: (o) => outcomes.push(o.action)
      })
      await waitFor('the manual pass to ask MOSIP', () => manual.asking() > 0)
      // MOSIP asks the scheduled pass for the packet again: it is submitted under a new id.
      scheduled.answers.set(id, { status: 'RESEND' })
      scheduled.release()
      await first
      assert.equal((await runNext()).key, `submit:${id}:resubmit-1`)
      const resubmitted = await row(id)
      assert.equal(resubmitted.state, 'submitted')
      // The manual pass then hears MOSIP's answers about the first submission.
      manual.answers.set(id, { status: 'RESEND' })
      manual.release()
      await second
      assert.deepEqual(outcomes, ['moved-on'])
      const after = await row(id)
      assert.equal(after.state, 'submitted', 'still waiting on its new submission')
      assert.equal(after.mosip_id, resubmitted.mosip_id)
      assert.equal(after.resubmissions, 1)
      assert.deepEqual(await new ReconciliationRepository(h!.ctx.store).mosipIdsOf(id), [
        id,
        resubmitted.mosip_id
      ])
      assert.equal((await h!.queue.list({ state: 'queued' })).length, 0)
    })

    it('a stale REJECTED about an earlier submission does not fail the new one', async () => {
      await setup()
      const id = '100030000000122'
      await submitted(id, 'death')
      advance(2_000)
      const scheduled = heldStatus()
      const manual = heldStatus()
      const first = reconciler(scheduled).runPass({})
      await waitFor(
        'the scheduled claim',
        async () => Number((await row(id)).reconcile_at) > clock() + 60_000
      )
      const second = reconciler(manual).runPass({ olderThanMs: 0 })
      await waitFor('the manual pass to ask MOSIP', () => manual.asking() > 0)
      scheduled.answers.set(id, { unknown: true })
      scheduled.release()
      await first
      assert.equal((await runNext()).key, `submit:${id}:resubmit-1`)
      assert.equal((await row(id)).state, 'submitted')
      manual.answers.set(id, { status: 'REJECTED' })
      manual.release()
      const report = await second
      assert.deepEqual(report.actions, { 'moved-on': 1 })
      assert.equal((await row(id)).state, 'submitted')
      assert.deepEqual(await jobKeysOf('reject-registration'), [])
    })

    if (dialect === 'postgres') {
      it('two reconcilers running passes at once never check the same registration twice', async () => {
        await setup()
        const ids = Array.from(
          { length: 30 },
          (_, n) => `1000300000002${String(n).padStart(2, '0')}`
        )
        for (const id of ids) await h!.register(id, 'death')
        const runner = h!.startRunner()
        await waitFor('every packet in MOSIP', async () => {
          const rows = await Promise.all(ids.map((id) => h!.registrations.get(id)))
          return rows.every((r) => r?.state === 'submitted')
        })
        await runner.runner.stop(1_000)
        const other = createStore(h!.ctx.options)
        extraStores.push(other)
        const status = new FakeStatus()
        status.delayMs = 30
        for (const id of ids.slice(0, 10)) status.answers.set(id, { status: 'PROCESSED' })
        advance(2_000)
        const first = reconciler(status)
        const second = reconciler(status, { store: other })
        // Small passes at once on both, so that their claims interleave.
        const reports = await Promise.all(
          Array.from({ length: 8 }, (_, n) => (n % 2 === 0 ? first : second).runPass({ max: 5 }))
        )
        const checked = reports.reduce((sum, r) => sum + r.checked, 0)
        const byFirst = reports.filter((_, n) => n % 2 === 0).reduce((sum, r) => sum + r.checked, 0)
        assert.ok(byFirst > 0 && byFirst < ids.length, `both instances checked some (${byFirst})`)
        assert.equal(checked, ids.length)
        assert.deepEqual(
          ids.filter((id) => status.asked.get(id) !== 1),
          [],
          'each id asked about exactly once'
        )
        const confirmations = await jobKeysOf('confirm-registration')
        assert.equal(confirmations.length, 10)
        assert.equal(new Set(confirmations).size, 10)
      })
    }
  })
}
