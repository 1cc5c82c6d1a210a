import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { startRecordingServer, waitFor, type RecordingServer } from '@mosip-bridge/test-support'
import { mosipWorkflowCompletedEventSchema } from '@mosip-bridge/contracts'
import { createMosipSimulator, type MosipSimulator } from '../src/mosip/mosip-simulator.js'
import { sampleCreatePacketRequest } from '../src/mosip/core/samples.js'
import { authCookie, type AuthClient } from './helpers/auth-cookie.js'

const WORKFLOW_COMPLETED_TOPIC = 'REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT'
const SECRET = 'abcdeABCDE123456'
const PACKET_CLIENT = { clientId: 'mosip-regproc-client', secretKey: SECRET, appId: 'admin' }
const PARTNER_CLIENT = { clientId: 'crvs_partner', secretKey: SECRET, appId: 'partner' }
const STATUS_CLIENT = {
  clientId: 'status-reader',
  secretKey: SECRET,
  appId: 'admin',
  roles: ['REGISTRATION_PROCESSOR']
}

describe('simulated MOSIP host: workflow-completed events through the hub with topic roles', () => {
  let mosip: MosipSimulator
  let subscriber: RecordingServer
  const posts: string[] = []

  before(async () => {
    mosip = await createMosipSimulator({
      hubTopicRoles: true,
      stepDelayMs: 10,
      clients: [PACKET_CLIENT, PARTNER_CLIENT, STATUS_CLIENT]
    })
    subscriber = await startRecordingServer((request, response) => {
      if (request.method === 'POST' && request.path === '/workflow') posts.push(request.body)
      response.writeHead(200, { 'content-type': 'text/plain' })
      response.end(request.method === 'GET' ? (request.query.get('hub.challenge') ?? '') : '')
    })
  })
  after(async () => {
    await mosip.close()
    await subscriber.close()
  })

  const login = (client: AuthClient) => authCookie(mosip.url, client)

  async function subscribe(cookie: string, topic: string, path: string) {
    const response = await fetch(`${mosip.url}${mosip.hub.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({
        'hub.mode': 'subscribe',
        'hub.topic': topic,
        'hub.callback': `${subscriber.url}${path}`,
        'hub.secret': 'workflow-secret'
      }).toString()
    })
    return { status: response.status, body: await response.text() }
  }

  it('requires SUBSCRIBE_REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT_GENERAL for the topic', async () => {
    const denied = await subscribe(await login(STATUS_CLIENT), WORKFLOW_COMPLETED_TOPIC, '/denied')
    assert.deepEqual(denied, {
      status: 500,
      body: 'hub.mode=denied&hub.reason=Subscriber is not authorized'
    })
    // A partner topic also needs the client to be that partner.
    const notPartner = await subscribe(
      await login(PACKET_CLIENT),
      'crvs_partner/CREDENTIAL_ISSUED',
      '/not-partner'
    )
    assert.equal(notPartner.status, 500)
    const partner = await subscribe(
      await login(PARTNER_CLIENT),
      'crvs_partner/CREDENTIAL_ISSUED',
      '/credentials'
    )
    assert.equal(partner.status, 202)
  })

  it('delivers the workflow-completed event of every finished workflow to its subscribers', async () => {
    const accepted = await subscribe(
      await login(PARTNER_CLIENT),
      WORKFLOW_COMPLETED_TOPIC,
      '/workflow'
    )
    assert.equal(accepted.status, 202)
    await waitFor('the subscription is active', () =>
      mosip.hub
        .subscriptions()
        .some((s) => s.topic === WORKFLOW_COMPLETED_TOPIC && s.state === 'active')
    )
    const cookie = await login(PACKET_CLIENT)
    const ids = [0, 1].map(() => `10001${String(randomInt(0, 1e10)).padStart(10, '0')}`)
    mosip.core.pipeline.setOutcome(ids[1] ?? '', 'rejected')
    for (const id of ids) {
      const packet = await fetch(`${mosip.url}/commons/v1/packetmanager/createPacket`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', cookie },
        body: JSON.stringify(sampleCreatePacketRequest({ id }))
      })
      assert.equal(packet.status, 200)
      const workflow = await fetch(
        `${mosip.url}/registrationprocessor/v1/workflowmanager/workflowinstance`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie },
          body: JSON.stringify({
            id: 'mosip.registration.processor.workflow.instance',
            version: 'v1',
            requesttime: new Date().toISOString(),
            request: { registrationId: id, process: 'CRVS_NEW', source: 'OPENCRVS' }
          })
        }
      )
      assert.equal(workflow.status, 200)
    }
    await waitFor('both events delivered', () => posts.length >= 2)
    const events = posts
      .map((body) => mosipWorkflowCompletedEventSchema.parse(JSON.parse(body)))
      .sort((a, b) => ids.indexOf(a.instanceId) - ids.indexOf(b.instanceId))
    assert.deepEqual(events, [
      { instanceId: ids[0], resultCode: 'PROCESSED', workflowType: 'CRVS_NEW', errorCode: null },
      {
        instanceId: ids[1],
        resultCode: 'REJECTED',
        workflowType: 'CRVS_NEW',
        errorCode: 'PACKET_REJECTED'
      }
    ])
  })
})
