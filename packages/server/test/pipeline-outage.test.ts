import { describe, it, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { waitFor } from '@mosip-bridge/test-support'
import { Snooze } from '../src/core/job-failure.js'
import { permanent, retry } from '../src/core/outcome.js'
import { TOKEN_EXPIRY_MARGIN_MS } from '../src/core/token-expiry-margin.js'
import { retryRegistration } from '../src/pipeline/operator-actions.js'
import { ReconciliationRepository } from '../src/store/reconciliation.repository.js'
import type { ClaimedJob } from '../src/queue/job-queue.js'
import { DIALECTS, dialectSuiteOptions } from './helpers/databases.js'
import { ScriptedMosip, mosipDown } from './helpers/pipeline-fakes.js'
import {
  NATIONAL_ID_FIELD,
  UIN,
  createPipelineHarness,
  type PipelineHarness
} from './helpers/pipeline-harness.js'

const HOUR_MS = 60 * 60 * 1000

for (const dialect of DIALECTS) {
  describe(
    `transient failures never reject, on ${dialect}`,
    await dialectSuiteOptions(dialect),
    () => {
      let h: PipelineHarness | undefined
      afterEach(async () => {
        await h?.drop()
        h = undefined
      })

      async function stateOf(id: string): Promise<string | undefined> {
        return (await h!.registrations.get(id))?.state
      }

      /** OpenCRVS got exactly one accept, and it wrote MOSIP's national id into the record. */
      function assertAcceptedOnceWithNationalId(eventId: string): void {
        assert.deepEqual(
          h!.opencrvs.mutations.map((m) => m.kind),
          ['accept']
        )
        const declaration = h!.opencrvs.events.get(eventId)?.actions.at(-1)?.declaration
        assert.equal((declaration as Record<string, unknown>)[NATIONAL_ID_FIELD], UIN)
      }

      async function reasons(id: string): Promise<Array<string | null>> {
        return (await h!.registrations.history(id)).map((entry) => entry.reason)
      }

      it('waits out a MOSIP outage longer than all the attempts, then completes', async () => {
        const down = () => Array.from({ length: 4 }, mosipDown)
        h = await createPipelineHarness(dialect, {
          mosip: new ScriptedMosip({ createPacket: down(), startWorkflow: down() })
        })
        const id = '100020000000001'
        const { eventId } = await h.register(id, 'birth')
        h.startRunner({ maxAttempts: 2 })
        await waitFor('the packet to reach MOSIP', async () => (await stateOf(id)) === 'submitted')
        // The job is marked done after its handler's transaction commits the new state.
        await waitFor(
          'the submission job to finish',
          async () => (await h!.queue.list({ task: 'submit-packet' }))[0]?.state === 'done'
        )
        const [submit] = await h.queue.list({ task: 'submit-packet' })
        assert.equal(submit?.state, 'done')
        assert.equal(submit?.attempts, 1, 'the outage used up no attempt (the job allows 2)')
        assert.equal(submit?.snoozes, 8)
        await h.deliverCredential('mosip-event-1', id)
        await waitFor('the confirmation', async () => (await stateOf(id)) === 'confirmed')
        assertAcceptedOnceWithNationalId(eventId)
        assert.deepEqual(await h.queue.list({ task: 'reject-registration' }), [])
        assert.ok(!(await reasons(id)).includes('MOSIP_UNREACHABLE'))
      })

      it('still fails and rejects a registration MOSIP refuses', async () => {
        h = await createPipelineHarness(dialect, {
          mosip: new ScriptedMosip({
            createPacket: [permanent('KER-PUT-027', 'MOSIP reported KER-PUT-027 packet validation')]
          })
        })
        const id = '100020000000002'
        h.startRunner()
        await h.register(id, 'death')
        await waitFor('the rejection', async () => (await stateOf(id)) === 'rejected')
        assert.deepEqual(await reasons(id), [null, 'KER-PUT-027', 'REGISTER_REJECTED'])
        assert.deepEqual(
          h.opencrvs.mutations.map((m) => m.kind),
          ['reject']
        )
      })

      it("snoozes for MOSIP's Retry-After and notes the attempt on the registration", async () => {
        h = await createPipelineHarness(dialect, {
          mosip: new ScriptedMosip({
            createPacket: [retry('MOSIP_THROTTLED', 'MOSIP answered 429', 30_000)]
          })
        })
        const id = '100020000000003'
        await h.register(id, 'birth')
        const context = {
          job: { attempts: 2, max_attempts: 2 } as ClaimedJob,
          signal: new AbortController().signal,
          logger: pino({ level: 'silent' })
        }
        await assert.rejects(
          h.handlers['submit-packet']({ v: 1, registrationId: id }, context),
          (error: unknown) =>
            error instanceof Snooze && error.afterMs === 30_000 && error.code === 'MOSIP_THROTTLED'
        )
        const registration = await h.registrations.get(id)
        assert.equal(registration?.state, 'received', 'even on the last attempt: never failed')
        assert.equal(registration?.attempts, 1)
        assert.match(registration?.last_error ?? '', /MOSIP_THROTTLED/)
      })

      it('hands a registration to an operator when the outage outlasts the token margin', async () => {
        h = await createPipelineHarness(dialect, {
          mosip: new ScriptedMosip({ createPacket: [mosipDown(), mosipDown()] })
        })
        const soon = '100020000000004'
        const later = '100020000000005'
        await h.register(soon, 'birth', {
          tokenExpiresAt: Date.now() + TOKEN_EXPIRY_MARGIN_MS - HOUR_MS
        })
        await h.register(later, 'birth', {
          tokenExpiresAt: Date.now() + TOKEN_EXPIRY_MARGIN_MS + HOUR_MS
        })
        const context = {
          job: { attempts: 1, max_attempts: 2 } as ClaimedJob,
          signal: new AbortController().signal,
          logger: pino({ level: 'silent' })
        }
        await h.handlers['submit-packet']({ v: 1, registrationId: soon }, context)
        const handedOver = await h.registrations.get(soon)
        assert.equal(handedOver?.state, 'needs_attention')
        assert.deepEqual(await reasons(soon), [null, 'OPENCRVS_TOKEN_EXPIRES_DURING_OUTAGE'])
        assert.match(handedOver?.last_error ?? '', /MOSIP_UNREACHABLE/)
        await assert.rejects(
          h.handlers['submit-packet']({ v: 1, registrationId: later }, context),
          Snooze,
          'a token with more than the margin left keeps waiting'
        )
        assert.deepEqual(await h.queue.list({ task: 'reject-registration' }), [])
        assert.deepEqual(h.opencrvs.mutations, [])

        // MOSIP is back: the operator's retry submits it again.
        const retried = await retryRegistration(
          {
            store: h.ctx.store,
            registrations: h.registrations,
            queue: h.queue,
            reconciliation: new ReconciliationRepository(h.ctx.store)
          },
          soon
        )
        assert.deepEqual(retried, { retried: true, step: 'submit' })
        h.startRunner()
        await waitFor('both to reach MOSIP', async () => {
          const states = await Promise.all([stateOf(soon), stateOf(later)])
          return states.every((state) => state === 'submitted')
        })
      })

      it('completes a handed-over registration whose credential arrives late', async () => {
        // MOSIP took the packet but the bridge never heard back before the token margin.
        h = await createPipelineHarness(dialect, {
          mosip: new ScriptedMosip({ createPacket: [mosipDown()] })
        })
        const id = '100020000000007'
        const { eventId } = await h.register(id, 'birth', {
          tokenExpiresAt: Date.now() + TOKEN_EXPIRY_MARGIN_MS - HOUR_MS
        })
        const context = {
          job: { attempts: 1, max_attempts: 2 } as ClaimedJob,
          signal: new AbortController().signal,
          logger: pino({ level: 'silent' })
        }
        await h.handlers['submit-packet']({ v: 1, registrationId: id }, context)
        assert.equal(await stateOf(id), 'needs_attention')
        h.startRunner()
        await h.deliverCredential('mosip-event-late', id)
        await waitFor('the confirmation', async () => (await stateOf(id)) === 'confirmed')
        assertAcceptedOnceWithNationalId(eventId)
      })

      it('keeps waiting whatever the token when OpenCRVS confirms with its own client', async () => {
        h = await createPipelineHarness(dialect, {
          mosip: new ScriptedMosip({ createPacket: [mosipDown()] }),
          actsWithStoredToken: false
        })
        const id = '100020000000006'
        await h.register(id, 'birth', { tokenExpiresAt: Date.now() + HOUR_MS })
        const context = {
          job: { attempts: 1, max_attempts: 2 } as ClaimedJob,
          signal: new AbortController().signal,
          logger: pino({ level: 'silent' })
        }
        await assert.rejects(
          h.handlers['submit-packet']({ v: 1, registrationId: id }, context),
          Snooze
        )
        assert.equal(await stateOf(id), 'received')
      })

      it('waits out OpenCRVS outages during confirmation and rejection', async () => {
        h = await createPipelineHarness(dialect, {
          mosip: new ScriptedMosip({
            createPacket: [packetCreated(), permanent('RPR-PKR-016', 'invalid input')]
          })
        })
        const confirmed = '100020000000007'
        const refused = '100020000000008'
        h.opencrvs.outage = 1_000
        h.startRunner({ maxAttempts: 2 })
        await h.register(confirmed, 'birth')
        await waitFor('the submission', async () => (await stateOf(confirmed)) === 'submitted')
        await h.register(refused, 'death')
        await waitFor('the refusal', async () => (await stateOf(refused)) === 'failed')
        await h.deliverCredential('mosip-event-2', confirmed)
        await waitFor('both jobs to wait out several outages', async () => {
          const jobs = await h!.queue.list()
          const waiting = jobs.filter(
            (job) => job.task === 'confirm-registration' || job.task === 'reject-registration'
          )
          return waiting.length === 2 && waiting.every((job) => job.snoozes >= 5)
        })
        h.opencrvs.outage = 0
        await waitFor('the confirmation and the rejection', async () => {
          const states = await Promise.all([stateOf(confirmed), stateOf(refused)])
          return states[0] === 'confirmed' && states[1] === 'rejected'
        })
        // The runner marks finished jobs done together, just after their handlers return.
        await waitFor('every job marked done', async () =>
          (await h!.queue.list()).every((job) => job.state === 'done')
        )
      })
    }
  )
}

function packetCreated() {
  return { kind: 'ok' as const, value: { packetNames: ['p'] } }
}
