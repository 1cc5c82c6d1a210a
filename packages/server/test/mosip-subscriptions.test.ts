/**
 * The bridge's two WebSub subscriptions as `createMosipIntegration` builds them: the credential
 * topic and the workflow-completed topic, at the same hub with the same callback and secret,
 * each keeping its own status.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { startRecordingServer, waitFor, type RecordingServer } from '@mosip-bridge/test-support'
import { formatProblems, loadConfig } from '../src/config/index.js'
import { createMosipIntegration, type MosipIntegration } from '../src/integrations/mosip/index.js'
import { authManager, counterTokens } from './helpers/mosip-auth-manager.js'

const CREDENTIAL_TOPIC = 'crvs_partner/CREDENTIAL_ISSUED'
const WORKFLOW_TOPIC = 'REGISTRATION_PROCESSOR_WORKFLOW_COMPLETED_EVENT'
const CALLBACK = 'https://bridge.example.org/websub/callback'

describe('the MOSIP integration subscribes to two topics', () => {
  const logger = pino({ level: 'silent' })
  let dir: string
  let auth: RecordingServer
  let hub: RecordingServer
  const integrations: MosipIntegration[] = []

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mosip-subscriptions-'))
    auth = await startRecordingServer(authManager(counterTokens('websub-token').issue))
    // The hub refuses the workflow topic as MOSIP does when the client lacks its role.
    hub = await startRecordingServer((request, response) => {
      const form = new URLSearchParams(request.body)
      if (form.get('hub.topic') === WORKFLOW_TOPIC) {
        response.writeHead(500, { 'content-type': 'application/x-www-form-urlencoded' })
        response.end('hub.mode=denied&hub.reason=Subscriber is not authorized')
        return
      }
      response.writeHead(202)
      response.end()
    })
  })
  after(async () => {
    for (const integration of integrations) {
      integration.subscriber.stop()
      integration.workflowSubscriber?.stop()
    }
    await auth.close()
    await hub.close()
    rmSync(dir, { recursive: true, force: true })
  })

  function integration(workflowTopic: string): MosipIntegration {
    const loaded = loadConfig({
      NODE_ENV: 'test',
      SQLITE_DATABASE_PATH: join(dir, 'bridge.db'),
      OPENCRVS_PUBLIC_KEY_URL: 'http://127.0.0.1:9/.well-known',
      MOSIP_AUTH_URL: `${auth.url}/v1/authmanager/authenticate/clientidsecretkey`,
      MOSIP_WEBSUB_HUB_URL: `${hub.url}/hub`,
      MOSIP_WEBSUB_TOPIC: CREDENTIAL_TOPIC,
      MOSIP_WEBSUB_CALLBACK_URL: CALLBACK,
      MOSIP_WEBSUB_SECRET: 'subscriptions-test-secret',
      MOSIP_WORKFLOW_COMPLETED_TOPIC: workflowTopic,
      DECRYPT_P12_FILE_PATH: join(dir, 'missing.p12')
    })
    if (!loaded.ok) throw new Error(formatProblems(loaded.problems))
    const built = createMosipIntegration(loaded.config, logger)
    integrations.push(built)
    return built
  }

  it('keeps the credential subscription while the hub refuses the workflow topic', async () => {
    const { subscriber, workflowSubscriber } = integration(WORKFLOW_TOPIC)
    assert.ok(workflowSubscriber, 'a workflow subscriber is built for the topic')
    subscriber.start()
    workflowSubscriber.start()
    await waitFor('both attempts', () =>
      [subscriber, workflowSubscriber].every((s) => s.status().lastAttemptAt !== null)
    )
    const credential = subscriber.status()
    assert.notEqual(credential.lastSuccessAt, null)
    assert.equal(credential.lastError, null)
    assert.equal(credential.consecutiveFailures, 0)
    const workflow = workflowSubscriber.status()
    assert.equal(workflow.running, true)
    assert.equal(workflow.lastSuccessAt, null)
    assert.equal(workflow.lastError?.code, 'MOSIP_HUB_DENIED')
    assert.ok(workflow.consecutiveFailures >= 1)
    assert.notEqual(workflow.nextAttemptAt, null, 'it tries again later, on its own')

    const forms = hub.received.map((call) => Object.fromEntries(new URLSearchParams(call.body)))
    const byTopic = (topic: string) => forms.find((form) => form['hub.topic'] === topic)
    for (const topic of [CREDENTIAL_TOPIC, WORKFLOW_TOPIC]) {
      assert.equal(byTopic(topic)?.['hub.mode'], 'subscribe', topic)
      assert.equal(byTopic(topic)?.['hub.callback'], CALLBACK, topic)
      assert.equal(byTopic(topic)?.['hub.secret'], 'subscriptions-test-secret', topic)
    }
  })

  it('builds no workflow subscriber when the topic is switched off', () => {
    const built = integration('none')
    assert.equal(built.workflowSubscriber, undefined)
  })
})
