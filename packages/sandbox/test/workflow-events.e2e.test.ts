/**
 * The push path of the reconciliation on real sockets: the bridge (its own process) subscribes
 * to the simulated MOSIP's workflow-completed topic beside the credential topic. The scheduled
 * status checks are set an hour away, so only the pushed events can act within these tests.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { SimulatorSuite, MosipClient } from '@mosip-bridge/simulators'
import { MOSIP_WORKFLOW_COMPLETED_TOPIC } from '@mosip-bridge/contracts'
import { waitFor } from '@mosip-bridge/test-support'
import { startDeployment, type Deployment } from './helpers/deployment.js'
import { registrationOfEvent } from './helpers/store-reads.js'

const WEBSUB_SECRET = 'e2e-workflow-websub-secret-81c2'

interface Setup {
  hubTopicRoles?: boolean
  websubClient?: MosipClient
}

/** Simulators, country configuration and bridge on SQLite, with polling an hour away. */
function startEnvironment(name: string, setup: Setup = {}) {
  return startDeployment({
    name,
    dialect: 'sqlite',
    countryConfig: 'stub',
    simulators: { websubSecret: WEBSUB_SECRET, ...setup },
    bridgeEnv: { MOSIP_RECONCILE_AFTER_SECONDS: '3600', MOSIP_WORKFLOW_COMPLETED_TOPIC }
  })
}

type Environment = Deployment<'stub'>

async function registerBirth(suite: SimulatorSuite) {
  const event = suite.opencrvs.createEvent({
    type: 'birth',
    declaration: {
      'child.name': { firstname: 'Chanda', surname: 'Bwalya' },
      'child.dob': '2026-01-15',
      'informant.name': { firstname: 'Mary', surname: 'Bwalya' },
      'informant.email': 'mary@example.org'
    }
  })
  const trigger = await suite.opencrvs.register(event.id)
  assert.equal(trigger.outcome, 'pending', `the trigger left the action requested`)
  return { eventId: event.id, actionId: trigger.actionId }
}

const registrationOf = registrationOfEvent

/** The hub's view of the bridge's subscription to `topic`. */
function subscriptionTo(suite: SimulatorSuite, topic: string) {
  return suite.mosip.hub.subscriptions().find((s) => s.topic === topic)
}

describe('workflow-completed events pushed by MOSIP', () => {
  let env: Environment
  before(async () => {
    env = await startEnvironment('workflow-push')
    await waitFor('both subscriptions to be active', () =>
      [env.suite.mosip.core.issuer.topic, MOSIP_WORKFLOW_COMPLETED_TOPIC].every(
        (topic) => subscriptionTo(env.suite, topic)?.state === 'active'
      )
    )
  })
  after(() => env?.stop())

  it('rejects in OpenCRVS a birth MOSIP rejected in processing, without waiting for polling', async () => {
    env.suite.mosip.core.pipeline.setProcessOutcome('CRVS_NEW', 'rejected', 1)
    const startedAt = Date.now()
    const { eventId, actionId } = await registerBirth(env.suite)
    const action = await env.suite.opencrvs.waitForConfirmation(eventId, actionId, 'Rejected', {
      timeoutMs: 30_000
    })
    assert.equal(action.status, 'Rejected')
    await waitFor(
      'the bridge to record the rejection',
      async () => (await registrationOf(env.store, eventId))?.state === 'rejected',
      Math.max(1_000, 30_000 - (Date.now() - startedAt))
    )
    const registration = await registrationOf(env.store, eventId)
    const delivered = env.suite.mosip.hub
      .deliveries({ topic: MOSIP_WORKFLOW_COMPLETED_TOPIC })
      .filter((d) => d.status === 200)
    assert.ok(delivered.length >= 1, 'the hub delivered the workflow-completed event')
    const inbox = await env.store.db
      .selectFrom('websub_inbox')
      .select(['state', 'note', 'topic', 'registration_id'])
      .where('event_id', '=', `workflow:${registration!.id}:REJECTED`)
      .executeTakeFirst()
    assert.deepEqual(inbox, {
      state: 'processed',
      note: 'WORKFLOW_APPLIED',
      topic: MOSIP_WORKFLOW_COMPLETED_TOPIC,
      registration_id: registration!.id
    })
    // No credential was issued for it: the rejection came through the pushed event alone.
    assert.equal(
      env.suite.mosip.core.issuer.issued.some((c) => c.registrationId === registration!.id),
      false
    )
  })
})

describe('a hub refusing the workflow-completed topic', () => {
  let env: Environment
  before(async () => {
    // The partner client may subscribe to its credentials, not to the workflow-completed topic.
    env = await startEnvironment('workflow-refused', {
      hubTopicRoles: true,
      websubClient: {
        clientId: 'crvs_partner',
        secretKey: 'partnerSecret123',
        appId: 'partner',
        roles: ['SUBSCRIBE_CREDENTIAL_ISSUED_INDIVIDUAL']
      }
    })
    await waitFor(
      'the credential subscription to be active',
      () => subscriptionTo(env.suite, env.suite.mosip.core.issuer.topic)?.state === 'active'
    )
    await waitFor('the workflow subscription to be refused', () =>
      env.bridge
        .output()
        .split('\n')
        .some(
          (line) =>
            line.includes('"event":"websub.subscribe"') &&
            line.includes(`"topic":"${MOSIP_WORKFLOW_COMPLETED_TOPIC}"`) &&
            // (The log's `code` field is redacted: the hub's reason tells the denial.)
            line.includes('the hub denied the request: Subscriber is not authorized')
        )
    )
  })
  after(() => env?.stop())

  it('keeps delivering credentials: a birth is confirmed', async () => {
    assert.equal(subscriptionTo(env.suite, MOSIP_WORKFLOW_COMPLETED_TOPIC), undefined)
    const { eventId, actionId } = await registerBirth(env.suite)
    await env.suite.opencrvs.waitForConfirmation(eventId, actionId, 'Accepted', {
      timeoutMs: 30_000
    })
    await waitFor(
      'the bridge to record the confirmation',
      async () => (await registrationOf(env.store, eventId))?.state === 'confirmed'
    )
    assert.equal(subscriptionTo(env.suite, env.suite.mosip.core.issuer.topic)?.state, 'active')
  })
})
