import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { buildIntegrations, type Integrations } from '../src/composition/integrations.js'
import { buildJobHandlers, buildReconciler } from '../src/composition/job-handlers.js'
import { buildBridgeApp } from '../src/composition/routes.js'
import { openStorage, type Storage } from '../src/composition/storage.js'
import { formatProblems, loadConfig, type BridgeConfig } from '../src/config/index.js'
import { IDA_NOT_CONFIGURED } from '../src/core/ida-verification.js'
import { TASKS } from '../src/pipeline/tasks.js'
import { TestOpencrvsKeys } from './helpers/opencrvs-keys.js'

/** Nothing listens on port 9 (discard): every MOSIP call fails at once. */
const NOWHERE = 'http://127.0.0.1:9'

describe('composition: the whole HTTP surface without a job runner', () => {
  const keys = new TestOpencrvsKeys()
  const logger = pino({ level: 'silent' })
  let dir: string
  let config: BridgeConfig
  let storage: Storage
  let integrations: Integrations
  let app: FastifyInstance

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'composition-'))
    const keyServer = await keys.start()
    const loaded = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      SQLITE_DATABASE_PATH: join(dir, 'bridge.db'),
      OPENCRVS_PUBLIC_KEY_URL: `${keyServer}/.well-known`,
      MOSIP_AUTH_URL: `${NOWHERE}/v1/authmanager/authenticate/clientidsecretkey`,
      MOSIP_WEBSUB_HUB_URL: `${NOWHERE}/websub/hub`,
      MOSIP_WEBSUB_SECRET: 'composition-websub-secret',
      // Key files that do not exist: the bridge builds stand-ins that say so.
      DECRYPT_P12_FILE_PATH: join(dir, 'missing-decrypt.p12'),
      SIGN_P12_FILE_PATH: join(dir, 'missing-sign.p12'),
      OIDP_CLIENT_PRIVATE_KEY_PATH: join(dir, 'missing-client-key.pem')
    })
    if (!loaded.ok) throw new Error(formatProblems(loaded.problems))
    config = loaded.config
    storage = await openStorage(config, logger)
    integrations = buildIntegrations(config, logger)
    app = buildBridgeApp(config, logger, storage, integrations)
    await app.ready()
  })

  after(async () => {
    await app?.close()
    await storage?.store.close()
    await keys.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('registers the basics and every feature route', () => {
    const routes: Array<[string, string]> = [
      ['GET', '/health'],
      ['GET', '/ready'],
      ['GET', '/metrics'],
      ['POST', '/events/registration'],
      ['POST', '/websub/callback'],
      ['GET', '/debug/transactions'],
      ['POST', '/verify'],
      ['POST', '/esignet/get-oidp-user-info']
    ]
    for (const [method, url] of routes) {
      assert.equal(app.hasRoute({ method, url }), true, `${method} ${url}`)
    }
  })

  it('answers /health, and /ready honestly: not ready without the credential keystore', async () => {
    const health = await app.inject({ method: 'GET', url: '/health' })
    assert.equal(health.statusCode, 200)
    assert.deepEqual(health.json(), { status: 'ok' })
    const ready = await app.inject({ method: 'GET', url: '/ready' })
    assert.equal(ready.statusCode, 503)
    const body = ready.json<{
      status: string
      dependencies: Record<string, { status: string; required: boolean; detail?: string }>
    }>()
    assert.equal(body.status, 'unavailable')
    const deps = body.dependencies
    assert.deepEqual(deps.database, { required: true, status: 'up', detail: 'sqlite' })
    assert.equal(deps.credential_keystore?.status, 'down')
    assert.equal(deps.credential_keystore?.required, true)
    assert.match(deps.credential_keystore?.detail ?? '', /keystore could not be opened/)
    // Partners are reported, not required: MOSIP has not been asked yet, the optional keys are
    // missing, OpenCRVS's key is served by the test.
    assert.deepEqual(deps.mosip_login, {
      required: false,
      status: 'unknown',
      detail: 'no login yet'
    })
    assert.equal(deps.ida_keys?.status, 'down')
    assert.equal(deps.esignet_key?.status, 'down')
    assert.equal(deps.websub_subscription?.status, 'unknown')
    assert.ok(deps.opencrvs_public_key, 'reported')
    const metrics = await (await app.inject({ method: 'GET', url: '/metrics' })).body
    assert.match(
      metrics,
      /mosip_bridge_dependency_up\{dependency="credential_keystore",required="true"\} 0/
    )
    assert.match(metrics, /mosip_bridge_dependency_up\{dependency="database",required="true"\} 1/)
  })

  it('refuses intake without a token with 401', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/events/registration',
      payload: { trackingId: 'TRK-COMPOSITION' }
    })
    assert.equal(response.statusCode, 401)
  })

  it('accepts a registration, which waits in the queue since no runner runs', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/events/registration',
      headers: { authorization: `Bearer ${await keys.actionToken()}` },
      payload: {
        trackingId: 'TRK-COMPOSITION',
        notification: {
          recipientFullName: 'Mary Bwalya',
          recipientEmail: 'mary@example.org',
          recipientPhone: '+260971234567'
        },
        requestFields: { birthCertificateNumber: 'BRN-COMPOSITION', dateOfBirth: '2026/01/15' },
        metaInfo: { metaData: '[]' },
        audit: { uuid: randomUUID(), createdAt: new Date().toISOString() }
      }
    })
    assert.equal(response.statusCode, 202, response.body)
    const waiting = await storage.queue.list({ task: TASKS.submitPacket })
    assert.deepEqual(
      waiting.map((job) => job.state),
      ['queued']
    )
  })

  it('answers 503 on /verify while the IDA keystore is missing', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/verify',
      headers: { authorization: `Bearer ${await keys.actionToken()}` },
      payload: { nid: '5836471920', dob: '1990-04-12', name: 'Chanda Bwalya' }
    })
    assert.equal(response.statusCode, 503)
    assert.equal(response.json<{ code: string }>().code, IDA_NOT_CONFIGURED)
  })

  it('builds a handler for every task of the pipeline', () => {
    const handlers = buildJobHandlers(
      config,
      logger,
      storage,
      integrations,
      buildReconciler(config, logger, storage, integrations)
    )
    assert.deepEqual(Object.keys(handlers).sort(), Object.values(TASKS).sort())
  })
})
