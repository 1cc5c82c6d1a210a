/**
 * The push path of the reconciliation: MOSIP's workflow-completed events at the WebSub callback
 * (intent verification, signature, storage with its job) and the job applying them, on a real
 * database and job queue.
 */
import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { waitFor } from '@mosip-bridge/test-support'
import { Snooze } from '../src/core/job-failure.js'
import { buildApp } from '../src/http/build-app.js'
import { registerWebsubRoutes } from '../src/http/routes/websub.route.js'
import { retryDelivery } from '../src/pipeline/operator-actions.js'
import { WebsubIntakeService, workflowEventId } from '../src/pipeline/websub-intake.service.js'
import type { ClaimedJob } from '../src/queue/job-queue.js'
import { DIALECTS, dialectSuiteOptions } from './helpers/databases.js'
import { createPipelineHarness, type PipelineHarness } from './helpers/pipeline-harness.js'

const SECRET = 'workflow-test-websub-secret'
const CREDENTIAL_TOPIC = 'crvs_partner/CREDENTIAL_ISSUED'
const WORKFLOW_TOPIC = 'REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT'

const sign = (body: string, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`

function workflowBody(instanceId: string, resultCode: string, spacing?: number): string {
  const errorCode = resultCode === 'REJECTED' ? 'PACKET_REJECTED' : null
  return JSON.stringify(
    { instanceId, resultCode, workflowType: 'CRVS_NEW', errorCode },
    null,
    spacing
  )
}

for (const dialect of DIALECTS) {
  describe(`workflow-completed events on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    describe('at the WebSub callback', () => {
      let h: PipelineHarness
      let app: FastifyInstance
      let withoutWorkflow: FastifyInstance

      const appFor = (workflowTopic: string | undefined) =>
        buildApp({
          logger: pino({ level: 'silent' }),
          store: h.ctx.store,
          routes: [
            (instance) =>
              registerWebsubRoutes(instance, {
                topic: CREDENTIAL_TOPIC,
                workflowTopic,
                secret: SECRET,
                deliveries: new WebsubIntakeService({
                  store: h.ctx.store,
                  inbox: h.inbox,
                  queue: h.queue,
                  workflowTopic
                })
              })
          ]
        })

      before(async () => {
        h = await createPipelineHarness(dialect)
        app = appFor(WORKFLOW_TOPIC)
        withoutWorkflow = appFor(undefined)
      })
      after(async () => {
        await app?.close()
        await withoutWorkflow?.close()
        await h?.drop()
      })

      const verify = (target: FastifyInstance, topic: string, challenge = 'c-123') =>
        target.inject({
          method: 'GET',
          url: '/websub/callback',
          query: { 'hub.mode': 'subscribe', 'hub.topic': topic, 'hub.challenge': challenge }
        })

      const deliver = (body: string, signature: string | null = sign(body)) =>
        app.inject({
          method: 'POST',
          url: '/websub/callback/',
          headers: {
            'content-type': 'application/json',
            ...(signature === null ? {} : { 'x-hub-signature': signature })
          },
          payload: body
        })

      it('answers intent verification for both topics, and only for the ones subscribed', async () => {
        for (const topic of [CREDENTIAL_TOPIC, WORKFLOW_TOPIC]) {
          const answer = await verify(app, topic, `challenge-${topic.length}`)
          assert.equal(answer.statusCode, 200, topic)
          assert.equal(answer.body, `challenge-${topic.length}`, topic)
          assert.match(String(answer.headers['content-type']), /^text\/plain/)
        }
        assert.equal((await verify(app, 'SOME_OTHER_TOPIC')).statusCode, 404)
        // With the workflow topic switched off, the bridge asked for the credential topic only.
        assert.equal((await verify(withoutWorkflow, CREDENTIAL_TOPIC)).statusCode, 200)
        assert.equal((await verify(withoutWorkflow, WORKFLOW_TOPIC)).statusCode, 404)
      })

      it('stores a signed workflow event once and queues its job in the same step', async () => {
        const instanceId = '100011111111111'
        const eventId = workflowEventId(instanceId, 'REJECTED')
        const response = await deliver(workflowBody(instanceId, 'REJECTED'))
        assert.equal(response.statusCode, 200, response.body)
        const ack = response.json<{ topic: string; event: { id: string; status: string } }>()
        assert.equal(ack.topic, WORKFLOW_TOPIC)
        assert.deepEqual([ack.event.id, ack.event.status], [eventId, 'RECEIVED'])

        const entry = await h.inbox.get(eventId)
        assert.equal(entry?.state, 'received')
        assert.equal(entry?.topic, WORKFLOW_TOPIC)
        assert.equal(await h.inbox.readBody(eventId), workflowBody(instanceId, 'REJECTED'))
        const jobs = await h.queue.list({ task: 'apply-workflow-event' })
        assert.deepEqual(
          jobs.map((job) => [job.job_key, JSON.parse(job.payload) as unknown]),
          [[`apply:${eventId}`, { v: 1, eventId }]]
        )

        // The hub re-serializes what it redelivers: same event, other bytes, still one entry.
        const again = await deliver(workflowBody(instanceId, 'REJECTED', 2))
        assert.equal(again.statusCode, 200)
        assert.equal((await h.queue.list({ task: 'apply-workflow-event' })).length, 1)
        const stored = (await h.inbox.list()).filter((e) => e.event_id === eventId)
        assert.equal(stored.length, 1)

        // Another result for the same registration is another event.
        await deliver(workflowBody(instanceId, 'PROCESSED'))
        assert.equal((await h.queue.list({ task: 'apply-workflow-event' })).length, 2)
      })

      it('refuses a workflow event without a valid signature, storing nothing', async () => {
        const body = workflowBody('100012222222222', 'REJECTED')
        const eventId = workflowEventId('100012222222222', 'REJECTED')
        assert.equal((await deliver(body, null)).statusCode, 401)
        assert.equal((await deliver(body, sign(body, 'another-secret'))).statusCode, 401)
        assert.equal((await deliver(body, sign(`${body} `))).statusCode, 401)
        assert.equal(await h.inbox.get(eventId), undefined)
      })

      it('keeps a body that is neither kind as invalid, with no job', async () => {
        const before = (await h.queue.list({ task: 'apply-workflow-event' })).length
        for (const body of [
          JSON.stringify({ instanceId: '100013333333333' }),
          JSON.stringify({ instanceId: '', resultCode: 'REJECTED' }),
          JSON.stringify({ instanceId: '100013333333333', resultCode: 'REJECTED', event: {} })
        ]) {
          const response = await deliver(body)
          assert.equal(response.statusCode, 200, body)
          assert.equal(response.json<{ event: { status: string } }>().event.status, 'ERROR', body)
        }
        assert.equal((await h.queue.list({ task: 'apply-workflow-event' })).length, before)
        const invalid = await h.inbox.list({ state: 'invalid' })
        assert.equal(invalid.length, 3)
        assert.ok(invalid.every((entry) => entry.event_id.startsWith('sha256:')))
      })
    })

    describe('the apply-workflow-event job', () => {
      let h: PipelineHarness | undefined
      afterEach(async () => {
        await h?.drop()
        h = undefined
      })

      async function submitted(id: string, kind: 'birth' | 'death') {
        const { eventId } = await h!.register(id, kind)
        await waitFor('the submission', async () => (await stateOf(id)) === 'submitted')
        return eventId
      }
      const stateOf = async (id: string) => (await h!.registrations.get(id))?.state

      it('fails a rejected registration and rejects it in OpenCRVS', async () => {
        h = await createPipelineHarness(dialect)
        h.startRunner()
        const id = '100021000000001'
        const opencrvsEventId = await submitted(id, 'birth')
        const { eventId } = await h.deliverWorkflowEvent(id, 'REJECTED')
        await waitFor('the rejection', async () => (await stateOf(id)) === 'rejected')
        const reasons = (await h.registrations.history(id)).map((entry) => entry.to_state)
        assert.ok(reasons.includes('failed'), `went through failed: ${reasons.join(', ')}`)
        const rejections = await h.queue.list({ task: 'reject-registration' })
        assert.deepEqual(
          rejections.map((job) => job.job_key),
          [`reject:${id}`]
        )
        assert.deepEqual(
          h.opencrvs.mutations.map((m) => m.kind),
          ['reject']
        )
        assert.equal(h.opencrvs.events.get(opencrvsEventId)?.actions.at(-1)?.status, 'Rejected')
        const entry = await h.inbox.get(eventId)
        assert.equal(entry?.state, 'processed')
        assert.equal(entry?.note, 'WORKFLOW_APPLIED')
        assert.equal(entry?.registration_id, id)
        assert.equal(entry?.body_sealed, null, 'the body is wiped once applied')
      })

      it('queues the confirmation of a processed death', async () => {
        h = await createPipelineHarness(dialect)
        h.startRunner()
        const id = '100021000000002'
        await submitted(id, 'death')
        const { eventId } = await h.deliverWorkflowEvent(id, 'PROCESSED', 'CRVS_DEATH')
        await waitFor('the confirmation', async () => (await stateOf(id)) === 'confirmed')
        const confirmations = await h.queue.list({ task: 'confirm-registration' })
        assert.equal(confirmations.length, 1)
        assert.deepEqual(JSON.parse(confirmations[0]!.payload), { v: 1, registrationId: id })
        assert.deepEqual(
          h.opencrvs.mutations.map((m) => m.kind),
          ['accept']
        )
        const entry = await h.inbox.get(eventId)
        assert.deepEqual([entry?.state, entry?.note], ['processed', 'WORKFLOW_APPLIED'])
      })

      it('only notes a processed birth: its credential finishes it', async () => {
        h = await createPipelineHarness(dialect)
        h.startRunner()
        const id = '100021000000003'
        await submitted(id, 'birth')
        const { eventId } = await h.deliverWorkflowEvent(id, 'PROCESSED')
        await waitFor(
          'the event to be processed',
          async () => (await h!.inbox.get(eventId))?.state === 'processed'
        )
        const entry = await h.inbox.get(eventId)
        assert.deepEqual(
          [entry?.note, entry?.registration_id, entry?.body_sealed],
          ['WORKFLOW_NOTED', id, null]
        )
        const registration = await h.registrations.get(id)
        assert.equal(registration?.state, 'submitted')
        assert.equal(registration?.mosip_status, 'PROCESSED')
        const followUps = (await h.queue.list()).filter(
          (job) => job.task === 'confirm-registration' || job.task === 'reject-registration'
        )
        assert.deepEqual(followUps, [])
        assert.deepEqual(h.opencrvs.mutations, [])
        // The credential still completes it.
        await h.deliverCredential('credential-after-processed', id)
        await waitFor('the confirmation', async () => (await stateOf(id)) === 'confirmed')
      })

      it('keeps an event about an unknown registration, which an operator can apply later', async () => {
        h = await createPipelineHarness(dialect)
        h.startRunner()
        const id = '100021000000004'
        const { eventId } = await h.deliverWorkflowEvent(id, 'REJECTED')
        await waitFor(
          'the event to be kept',
          async () => (await h!.inbox.get(eventId))?.state === 'unmatched'
        )
        const entry = await h.inbox.get(eventId)
        assert.equal(entry?.note, 'UNKNOWN_REGISTRATION')
        assert.notEqual(entry?.body_sealed, null, 'kept with its body')

        // The registration is restored (here: it was created meanwhile) and the event replayed.
        await submitted(id, 'death')
        assert.deepEqual(
          await retryDelivery({ store: h.ctx.store, inbox: h.inbox, queue: h.queue }, eventId),
          { retried: true, step: 'process' }
        )
        await waitFor('the rejection', async () => (await stateOf(id)) === 'rejected')
        assert.equal((await h.inbox.get(eventId))?.state, 'processed')
      })

      it('waits for its own submission to be recorded when the event overtakes it', async () => {
        h = await createPipelineHarness(dialect)
        const id = '100021000000005'
        await h.register(id, 'birth')
        const { eventId } = await h.deliverWorkflowEvent(id, 'REJECTED')
        const context = {
          job: { attempts: 1, max_attempts: 3 } as ClaimedJob,
          signal: new AbortController().signal,
          logger: pino({ level: 'silent' })
        }
        await assert.rejects(h.handlers['apply-workflow-event']({ v: 1, eventId }, context), Snooze)
        assert.equal(await stateOf(id), 'received')
        assert.equal((await h.inbox.get(eventId))?.state, 'received')
        assert.deepEqual(await h.inbox.waitingFor(h.ctx.store.db, id), [eventId])
        h.startRunner()
        await waitFor('the rejection', async () => (await stateOf(id)) === 'rejected')
        assert.equal((await h.inbox.get(eventId))?.note, 'WORKFLOW_APPLIED')
      })

      it('leaves a registration that no longer waits on MOSIP as it is', async () => {
        h = await createPipelineHarness(dialect)
        h.startRunner()
        const id = '100021000000006'
        await submitted(id, 'death')
        const processed = await h.deliverWorkflowEvent(id, 'PROCESSED', 'CRVS_DEATH')
        await waitFor('the confirmation', async () => (await stateOf(id)) === 'confirmed')
        const late = await h.deliverWorkflowEvent(id, 'REJECTED', 'CRVS_DEATH')
        await waitFor(
          'the late event to be processed',
          async () => (await h!.inbox.get(late.eventId))?.state === 'processed'
        )
        assert.equal((await h.inbox.get(late.eventId))?.note, 'WORKFLOW_NOT_WAITING')
        assert.equal(await stateOf(id), 'confirmed')
        assert.notEqual(processed.eventId, late.eventId)
      })
    })
  })
}
