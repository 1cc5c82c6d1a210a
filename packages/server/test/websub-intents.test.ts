/**
 * Subscription changes operators ask the WebSub hub for: the intents in the store (both
 * databases) and the callback's intent verification, which confirms an unsubscription only while
 * a fresh intent for that topic is pending.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { buildApp } from '../src/http/build-app.js'
import { registerWebsubRoutes } from '../src/http/routes/websub.route.js'
import { WebsubIntentsRepository } from '../src/store/websub-intents.repository.js'
import {
  DIALECTS,
  createMigratedStore,
  dialectSuiteOptions,
  type MigratedStore
} from './helpers/databases.js'

const CREDENTIAL_TOPIC = 'crvs_partner/CREDENTIAL_ISSUED'
const WORKFLOW_TOPIC = 'REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT'
const MINUTE = 60_000

for (const dialect of DIALECTS) {
  describe(`WebSub intents on ${dialect}`, await dialectSuiteOptions(dialect), () => {
    let ctx: MigratedStore
    let now = Date.UTC(2026, 0, 10, 9, 0, 0)
    let intents: WebsubIntentsRepository
    let app: FastifyInstance

    const request = (
      mode: 'subscribe' | 'unsubscribe',
      topic = CREDENTIAL_TOPIC,
      ttlMs = 10 * MINUTE,
      callback: 'main' | 'relay' = 'main'
    ) => intents.request({ mode, topic, callback, requestedBy: 'cli:operator-ws', ttlMs })

    const verify = (query: Record<string, string>) =>
      app.inject({ method: 'GET', url: '/websub/callback', query })
    const unsubscribe = (topic = CREDENTIAL_TOPIC, challenge = 'u-challenge') =>
      verify({ 'hub.mode': 'unsubscribe', 'hub.topic': topic, 'hub.challenge': challenge })

    before(async () => {
      ctx = await createMigratedStore(dialect)
      intents = new WebsubIntentsRepository(ctx.store, () => now)
      app = buildApp({
        logger: pino({ level: 'silent' }),
        store: ctx.store,
        routes: [
          (instance) =>
            registerWebsubRoutes(instance, {
              topic: CREDENTIAL_TOPIC,
              workflowTopic: WORKFLOW_TOPIC,
              secret: 'intents-test-secret',
              deliveries: { receive: () => Promise.reject(new Error('no delivery expected')) },
              intents
            })
        ]
      })
    })
    after(async () => {
      await app?.close()
      await ctx?.drop()
    })

    describe('the store', () => {
      it('records an intent with who asked and until when it holds', async () => {
        const intent = await request('unsubscribe', 'store-topic', 5 * MINUTE)
        assert.deepEqual(await intents.get(intent.id), {
          id: intent.id,
          mode: 'unsubscribe',
          topic: 'store-topic',
          callback: 'main',
          requestedBy: 'cli:operator-ws',
          requestedAt: now,
          expiresAt: now + 5 * MINUTE,
          confirmedAt: null,
          deniedAt: null,
          denialReason: null
        })
        assert.equal(await intents.get(intent.id + 1000), undefined)
      })

      it('confirms one pending intent of the same mode and topic once, oldest first', async () => {
        const first = await request('unsubscribe', 'confirm-topic')
        const second = await request('unsubscribe', 'confirm-topic')
        assert.equal(await intents.confirm('subscribe', 'confirm-topic'), undefined, 'other mode')
        assert.equal(await intents.confirm('unsubscribe', 'another-topic'), undefined)
        assert.equal(
          await intents.confirm('unsubscribe', 'confirm-topic', 'relay'),
          undefined,
          'other callback'
        )
        now += 1000
        const confirmed = await intents.confirm('unsubscribe', 'confirm-topic')
        assert.equal(confirmed?.id, first.id)
        assert.equal(confirmed?.confirmedAt, now)
        assert.equal((await intents.confirm('unsubscribe', 'confirm-topic'))?.id, second.id)
        assert.equal(await intents.confirm('unsubscribe', 'confirm-topic'), undefined, 'used up')
      })

      it('confirms an intent once when two instances answer at the same moment', async () => {
        const intent = await request('unsubscribe', 'race-topic')
        const other = new WebsubIntentsRepository(ctx.store, () => now)
        const answers = await Promise.all([
          intents.confirm('unsubscribe', 'race-topic'),
          other.confirm('unsubscribe', 'race-topic'),
          intents.confirm('unsubscribe', 'race-topic')
        ])
        const confirmed = answers.filter((answer) => answer !== undefined)
        assert.deepEqual(
          confirmed.map((answer) => answer.id),
          [intent.id]
        )
      })

      it('confirms nothing once an intent expired or was withdrawn', async () => {
        await request('unsubscribe', 'expiring-topic', MINUTE)
        now += MINUTE
        assert.equal(await intents.confirm('unsubscribe', 'expiring-topic'), undefined)

        const withdrawn = await request('unsubscribe', 'withdrawn-topic')
        const after = await intents.withdraw(withdrawn.id)
        assert.equal(after?.expiresAt, now)
        assert.equal(await intents.confirm('unsubscribe', 'withdrawn-topic'), undefined)
      })

      it('keeps the outcome of an intent confirmed before its withdrawal', async () => {
        const intent = await request('subscribe', 'late-topic')
        await intents.confirm('subscribe', 'late-topic')
        const after = await intents.withdraw(intent.id)
        assert.equal(after?.confirmedAt, now)
        assert.equal(after?.expiresAt, intent.expiresAt, 'not cut short')
      })

      it("records the hub's denial on the pending intents of its topic only", async () => {
        const pending = await request('subscribe', 'denied-topic')
        const confirmed = await request('unsubscribe', 'denied-topic')
        await intents.confirm('unsubscribe', 'denied-topic')
        const elsewhere = await request('subscribe', 'calm-topic')
        assert.equal(
          await intents.deny(
            'denied-topic',
            `Subscriber has already registered ${'!'.repeat(300)}`
          ),
          1
        )
        const denied = await intents.get(pending.id)
        assert.equal(denied?.deniedAt, now)
        assert.ok(denied?.denialReason?.startsWith('Subscriber has already registered'))
        assert.equal(denied?.denialReason?.length, 201, 'a long reason is cut')
        assert.equal((await intents.get(confirmed.id))?.deniedAt, null)
        assert.equal((await intents.get(elsewhere.id))?.deniedAt, null)
        assert.equal(await intents.confirm('subscribe', 'denied-topic'), undefined)
      })
    })

    describe('the intent verification route', () => {
      it('refuses an unsubscription no operator asked for', async () => {
        const answer = await unsubscribe()
        assert.equal(answer.statusCode, 404)
        assert.notEqual(answer.body, 'u-challenge')
        assert.match(answer.body, /no operator asked to unsubscribe/)
      })

      it('confirms an unsubscription once while a fresh intent for its topic is pending', async () => {
        const intent = await request('unsubscribe')
        now += 1000
        const answer = await unsubscribe(CREDENTIAL_TOPIC, 'the-challenge')
        assert.equal(answer.statusCode, 200)
        assert.equal(answer.body, 'the-challenge')
        assert.match(String(answer.headers['content-type']), /^text\/plain/)
        assert.equal((await intents.get(intent.id))?.confirmedAt, now)

        const again = await unsubscribe(CREDENTIAL_TOPIC, 'second-challenge')
        assert.equal(again.statusCode, 404, 'an intent confirms one verification')
        assert.notEqual(again.body, 'second-challenge')
      })

      it('confirms the workflow-completed topic with its own intent', async () => {
        await request('unsubscribe', CREDENTIAL_TOPIC)
        assert.equal((await unsubscribe(WORKFLOW_TOPIC)).statusCode, 404)
        await request('unsubscribe', WORKFLOW_TOPIC)
        const answer = await unsubscribe(WORKFLOW_TOPIC, 'workflow-challenge')
        assert.equal(answer.statusCode, 200)
        assert.equal(answer.body, 'workflow-challenge')
        assert.equal((await unsubscribe()).statusCode, 200, 'the credential intent is still there')
      })

      it('refuses an unsubscription whose intent expired', async () => {
        await request('unsubscribe', CREDENTIAL_TOPIC, 10 * MINUTE)
        now += 10 * MINUTE
        const answer = await unsubscribe()
        assert.equal(answer.statusCode, 404)
        assert.notEqual(answer.body, 'u-challenge')
      })

      it('refuses an unsubscription of a topic that is not ours, even with an intent', async () => {
        await request('unsubscribe', 'someone/CREDENTIAL_ISSUED')
        const answer = await unsubscribe('someone/CREDENTIAL_ISSUED')
        assert.equal(answer.statusCode, 404)
        assert.equal(answer.body, 'not subscribed to this topic')
        const unnamed = await verify({ 'hub.mode': 'unsubscribe', 'hub.challenge': 'x' })
        assert.equal(unnamed.statusCode, 404)
      })

      it('answers every subscription of our topics, and records it on a pending intent', async () => {
        const plain = await verify({
          'hub.mode': 'subscribe',
          'hub.topic': CREDENTIAL_TOPIC,
          'hub.challenge': 's-1'
        })
        assert.equal(plain.statusCode, 200)
        assert.equal(plain.body, 's-1')

        const intent = await request('subscribe')
        const verified = await verify({
          'hub.mode': 'subscribe',
          'hub.topic': CREDENTIAL_TOPIC,
          'hub.challenge': 's-2',
          'hub.lease_seconds': '864000'
        })
        assert.equal(verified.body, 's-2')
        assert.equal((await intents.get(intent.id))?.confirmedAt, now)
        assert.equal(
          (
            await verify({
              'hub.mode': 'renew',
              'hub.topic': CREDENTIAL_TOPIC,
              'hub.challenge': 'r'
            })
          ).statusCode,
          404
        )
      })

      it('confirms the relay callback only for the relay requests an operator made', async () => {
        const relay = (mode: string, challenge: string) =>
          app.inject({
            method: 'GET',
            url: '/websub/callback/relay',
            query: { 'hub.mode': mode, 'hub.topic': CREDENTIAL_TOPIC, 'hub.challenge': challenge }
          })
        const unasked = await relay('subscribe', 'r-0')
        assert.equal(unasked.statusCode, 404, 'nobody asked for the relay')
        assert.notEqual(unasked.body, 'r-0')

        const main = await request('subscribe')
        const intent = await request('subscribe', CREDENTIAL_TOPIC, 10 * MINUTE, 'relay')
        const subscribed = await relay('subscribe', 'r-1')
        assert.equal(subscribed.statusCode, 200)
        assert.equal(subscribed.body, 'r-1')
        assert.equal((await intents.get(intent.id))?.confirmedAt, now)
        assert.equal((await intents.get(main.id))?.confirmedAt, null, "the main callback's stays")

        await request('unsubscribe')
        assert.equal((await relay('unsubscribe', 'r-2')).statusCode, 404, 'a main intent')
        await request('unsubscribe', CREDENTIAL_TOPIC, 10 * MINUTE, 'relay')
        const unsubscribed = await relay('unsubscribe', 'r-3')
        assert.equal(unsubscribed.statusCode, 200)
        assert.equal(unsubscribed.body, 'r-3')
        assert.equal((await unsubscribe()).statusCode, 200, 'the main intent is still there')
      })

      it('records a denial of our topic on the pending intent and answers 200', async () => {
        const intent = await request('subscribe')
        const foreign = await request('subscribe', 'someone/CREDENTIAL_ISSUED')
        for (const topic of ['someone/CREDENTIAL_ISSUED', CREDENTIAL_TOPIC]) {
          const answer = await verify({
            'hub.mode': 'denied',
            'hub.topic': topic,
            'hub.reason': 'Subscriber has already registered with the Hub'
          })
          assert.equal(answer.statusCode, 200)
          assert.equal(answer.body, '')
        }
        const denied = await intents.get(intent.id)
        assert.equal(denied?.denialReason, 'Subscriber has already registered with the Hub')
        assert.equal((await intents.get(foreign.id))?.deniedAt, null, 'not our topic')
      })
    })
  })
}
