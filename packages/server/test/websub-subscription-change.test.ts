/**
 * How an operator's subscription change follows the hub: the intent recorded before each
 * request, the wait for the callback's confirmation or the hub's denial, a subscription asked
 * again after a denial or an outage, and what the operator is told next. The hub is scripted;
 * the intents are the real store (SQLite), which the scripted hub confirms or denies as the
 * running bridge's callback would.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { ok, permanent, retry, type Outcome } from '../src/core/outcome.js'
import { nextSteps, stepLine } from '../src/cli/websub-output.js'
import {
  WebsubSubscriptionChange,
  type HubSubscription
} from '../src/pipeline/websub-subscription-change.service.js'
import { WebsubIntentsRepository } from '../src/store/websub-intents.repository.js'
import { createMigratedStore, type MigratedStore } from './helpers/databases.js'

const TOPIC = 'crvs_partner/CREDENTIAL_ISSUED'

/** What the scripted hub does with one request: its answer, then what reaches the callback. */
type Script = { answer: Outcome<void>; then?: 'confirm' | { deny: string } | 'nothing' }

describe('WebsubSubscriptionChange', () => {
  let ctx: MigratedStore
  let intents: WebsubIntentsRepository

  before(async () => {
    ctx = await createMigratedStore('sqlite')
    intents = new WebsubIntentsRepository(ctx.store)
  })
  after(() => ctx?.drop())

  const change = () =>
    new WebsubSubscriptionChange({
      intents,
      requestedBy: 'cli:tester',
      pollMs: 10,
      retryDelayMs: 20
    })

  /** A subscription whose hub follows `scripts`, one per request, in order. */
  function hub(
    scripts: { subscribe?: Script[]; unsubscribe?: Script[] },
    callback: 'main' | 'relay' = 'main',
    sent: string[] = []
  ): HubSubscription & {
    sent: string[]
  } {
    const handle = async (mode: 'subscribe' | 'unsubscribe'): Promise<Outcome<void>> => {
      sent.push(callback === 'main' ? mode : `${mode} (relay)`)
      const script = scripts[mode]?.shift()
      assert.ok(script, `an unexpected ${mode} request`)
      const then = script.then ?? 'nothing'
      // The real hub verifies after answering; recording it before keeps the test free of timing.
      if (then === 'confirm') await intents.confirm(mode, TOPIC, callback)
      else if (then !== 'nothing') await intents.deny(TOPIC, then.deny, callback)
      return script.answer
    }
    return {
      name: 'credential',
      topic: TOPIC,
      callback,
      sent,
      requests: {
        subscribeNow: () => handle('subscribe'),
        unsubscribeNow: () => handle('unsubscribe')
      }
    }
  }

  it('records the intent before the request, and reports the confirmation', async () => {
    const target = hub({ unsubscribe: [{ answer: ok(undefined), then: 'confirm' }] })
    const step = await change().unsubscribe(target, 5_000)
    assert.equal(step.done, true)
    assert.equal(step.verification?.kind, 'confirmed')
    const [row] = await ctx.store.db
      .selectFrom('websub_intents')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(1)
      .execute()
    assert.equal(row?.requested_by, 'cli:tester')
    assert.equal(row?.mode, 'unsubscribe')
    assert.notEqual(row?.confirmed_at, null)
    assert.match(stepLine(step), /^unsubscribe: accepted by the hub; verified through the bridge/)
  })

  it('asks for a subscription again after a denial or an outage while time remains', async () => {
    const target = hub({
      subscribe: [
        { answer: retry('MOSIP_UNREACHABLE', 'the hub did not answer') },
        { answer: ok(undefined), then: { deny: 'Subscriber has already registered with the Hub' } },
        { answer: ok(undefined), then: 'confirm' }
      ]
    })
    const step = await change().subscribe(target, 5_000)
    assert.equal(step.done, true)
    assert.equal(step.attempts, 3)
    assert.deepEqual(target.sent, ['subscribe', 'subscribe', 'subscribe'])
    assert.match(stepLine(step), /\(request 3\); verified/)
  })

  it('gives up on a permanent refusal at once, withdrawing the intent', async () => {
    const target = hub({ subscribe: [{ answer: permanent('MOSIP_HUB_DENIED', 'not authorized') }] })
    const step = await change().subscribe(target, 5_000)
    assert.equal(step.done, false)
    assert.deepEqual(step.request, {
      accepted: false,
      code: 'MOSIP_HUB_DENIED',
      reason: 'not authorized'
    })
    assert.equal(await intents.confirm('subscribe', TOPIC), undefined, 'nothing left pending')
  })

  it('withdraws an intent whose verification did not come in time', async () => {
    const target = hub({ unsubscribe: [{ answer: ok(undefined) }] })
    const step = await change().unsubscribe(target, 100)
    assert.equal(step.verification?.kind, 'timed-out')
    assert.equal(step.done, false)
    assert.equal(
      await intents.confirm('unsubscribe', TOPIC),
      undefined,
      'a late verification is refused'
    )
  })

  it('moves a subscription through the relay, so that one of them always delivers', async () => {
    const sent: string[] = []
    const confirm = { answer: ok(undefined), then: 'confirm' as const }
    const main = hub({ unsubscribe: [confirm], subscribe: [confirm] }, 'main', sent)
    const relay = hub({ subscribe: [confirm], unsubscribe: [confirm] }, 'relay', sent)
    const steps = await change().resubscribe(main, relay, 5_000, 0)
    assert.deepEqual(sent, ['subscribe (relay)', 'unsubscribe', 'subscribe', 'unsubscribe (relay)'])
    assert.ok(steps.every((step) => step.done))
    assert.deepEqual(
      steps.map((step) => stepLine(step).split(':')[0]),
      ['subscribe (relay)', 'unsubscribe', 'subscribe', 'unsubscribe (relay)']
    )
  })

  it('changes nothing when the relay is not verified, and drops it when the unsubscription fails', async () => {
    const noRelay = await change().resubscribe(
      hub({}),
      hub({ subscribe: [{ answer: ok(undefined), then: { deny: 'no' } }] }, 'relay'),
      15,
      0
    )
    assert.deepEqual(
      noRelay.map((step) => step.mode),
      ['subscribe'],
      'the callback is not touched'
    )
    const sent: string[] = []
    const confirm = { answer: ok(undefined), then: 'confirm' as const }
    const steps = await change().resubscribe(
      hub({ unsubscribe: [{ answer: ok(undefined), then: { deny: 'paused' } }] }, 'main', sent),
      hub({ subscribe: [confirm], unsubscribe: [confirm] }, 'relay', sent),
      5_000,
      0
    )
    assert.deepEqual(sent, ['subscribe (relay)', 'unsubscribe', 'unsubscribe (relay)'])
    assert.equal(steps[1]?.verification?.kind, 'denied')
    const next = nextSteps('resubscribe', [
      { name: 'credential', topic: TOPIC, steps, done: false }
    ])
    assert.match(next[0]!, /subscription is as it was and the relay was dropped again/)
  })

  it('keeps the relay when the new subscription is not verified, and says how to finish', async () => {
    const confirm = { answer: ok(undefined), then: 'confirm' as const }
    // Asking again after a denial waits longer than the wait allows.
    const patient = new WebsubSubscriptionChange({
      intents,
      requestedBy: 'cli:tester',
      pollMs: 10,
      retryDelayMs: 5_000
    })
    const steps = await patient.resubscribe(
      hub({
        unsubscribe: [confirm],
        subscribe: [{ answer: ok(undefined), then: { deny: 'Topic is closed' } }]
      }),
      hub({ subscribe: [confirm] }, 'relay'),
      1_000,
      0
    )
    assert.deepEqual(
      steps.map((step) => [step.mode, step.callback, step.done]),
      [
        ['subscribe', 'relay', true],
        ['unsubscribe', 'main', true],
        ['subscribe', 'main', false]
      ]
    )
    const next = nextSteps('resubscribe', [
      { name: 'credential', topic: TOPIC, steps, done: false }
    ])
    assert.equal(next.length, 1)
    assert.match(next[0]!, /the relay subscription delivers meanwhile/)
    assert.match(next[0]!, /mosip-bridge websub subscribe --topic credential/)
    assert.match(next[0]!, /mosip-bridge websub unsubscribe --relay --topic credential/)
    assert.match(next[0]!, /The hub denied it: Topic is closed/)
  })
})
