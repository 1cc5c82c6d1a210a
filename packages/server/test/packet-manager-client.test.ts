/**
 * The MOSIP packet manager and registration processor client (`MosipPacketClient`) against a
 * recording server on a real socket, asserting on what arrives.
 */
import { describe, it, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import {
  closedPort,
  sendJson,
  startRecordingServer,
  type RecordingServer
} from '@mosip-bridge/test-support'
import { MosipTokenSource } from '../src/integrations/mosip/auth-token.js'
import { MosipPacketClient } from '../src/integrations/mosip/packet-manager.client.js'
import { DEFAULT_ID_SCHEMA_JSON } from '../src/integrations/mosip/default-id-schema.js'
import type { PacketRequest } from '../src/core/ports.js'
import { CALL_TIMEOUT_MS, T0, authManager, counterTokens } from './helpers/mosip-auth-manager.js'

describe('MosipPacketClient', () => {
  let mosip: RecordingServer
  let issued: ReturnType<typeof counterTokens>
  /** Tokens the fake packet manager / registration processor accepts. */
  let accepted: (token: string | undefined) => boolean
  let packetAnswer: (res: ServerResponse) => void
  let workflowAnswer: (res: ServerResponse) => void

  const packetInfos = (id: string) =>
    ['evidence', 'optional', 'id'].map((kind) => ({
      id,
      packetName: `${id}_${kind}`,
      source: 'CRVS1',
      process: 'CRVS_NEW',
      refId: '10001_10004',
      schemaVersion: '0.5',
      signature: 'sig',
      encryptedHash: 'hash',
      providerName: 'PacketWriterImpl',
      providerVersion: 'v1.0',
      creationDate: '2025-04-17T07:30:01.100Z'
    }))

  const cookieToken = (headers: IncomingHttpHeaders) =>
    /(?:^|;\s*)Authorization=([^;]*)/.exec(headers.cookie ?? '')?.[1]

  // A server per test, so that nothing a test left in flight reaches the next one.
  beforeEach(async () => {
    mosip = await startRecordingServer(() => undefined)
  })
  afterEach(() => mosip.close())

  function setUp(): MosipPacketClient {
    issued = counterTokens()
    accepted = () => true
    packetAnswer = (res) =>
      sendJson(res, 200, {
        id: 'mosip.registration.packet.writer',
        version: 'v1',
        responsetime: '2025-04-17T07:30:01.204Z',
        metadata: null,
        response: packetInfos('100014728301957'),
        errors: []
      })
    workflowAnswer = (res) =>
      sendJson(res, 200, {
        id: 'mosip.registration.processor.workflow.instance',
        version: 'v1',
        responsetime: '2025-04-17T07:30:02.345Z',
        response: { workflowInstanceId: 'dd9f218b-279c-4d93-8cda-9857976293ea' },
        errors: null
      })
    mosip.handle((request, res) => {
      if (request.path.startsWith('/v1/authmanager')) return authManager(issued.issue)(request, res)
      if (!accepted(cookieToken(request.headers))) {
        return sendJson(res, 401, {
          errors: [{ errorCode: 'KER-ATH-401', message: 'Authentication Failed' }]
        })
      }
      if (request.path === '/commons/v1/packetmanager/createPacket') return packetAnswer(res)
      if (request.path === '/registrationprocessor/v1/workflowmanager/workflowinstance') {
        return workflowAnswer(res)
      }
      res.writeHead(404)
      res.end()
    })
    return client()
  }

  function client(overrides: Partial<ConstructorParameters<typeof MosipPacketClient>[0]> = {}) {
    return new MosipPacketClient({
      createPacketUrl: `${mosip.url}/commons/v1/packetmanager/createPacket`,
      processPacketUrl: `${mosip.url}/registrationprocessor/v1/workflowmanager/workflowinstance`,
      tokens: new MosipTokenSource({
        authUrl: `${mosip.url}/v1/authmanager/authenticate/clientidsecretkey`,
        clientId: 'mosip-crvs1-client',
        secretKey: 'secret',
        appId: 'ida',
        timeoutMs: CALL_TIMEOUT_MS
      }),
      source: 'CRVS1',
      schemaVersion: '0.500',
      centerId: '10001',
      machineId: '10004',
      defaultSchemaJson: DEFAULT_ID_SCHEMA_JSON,
      timeoutMs: CALL_TIMEOUT_MS,
      clock: () => T0,
      ...overrides
    })
  }

  const packetRequest: PacketRequest = {
    id: '100014728301957',
    process: 'CRVS_NEW',
    fields: {
      fullName: '[{"language":"eng","value":"Leo Bwalya"}]',
      dateOfBirth: '2025/03/14',
      birthCertificateNumber: '2025B4XK2LQ'
    },
    metaInfo: { metaData: '[]', creationDate: '202503121345' },
    audits: [{ uuid: '3b1f0c1e', eventId: 'OPENCRVS_CREATE_PACKET' }]
  }

  const packetCalls = () =>
    mosip.received.filter((r) => r.path === '/commons/v1/packetmanager/createPacket')
  const logins = () => mosip.received.filter((r) => r.path.startsWith('/v1/authmanager'))

  it('sends exactly the reference createPacket envelope and headers', async () => {
    const packets = setUp()
    const outcome = await packets.createPacket(packetRequest)
    assert.deepEqual(outcome, {
      kind: 'ok',
      value: {
        packetNames: ['100014728301957_evidence', '100014728301957_optional', '100014728301957_id']
      }
    })
    const [call] = packetCalls()
    assert.ok(call)
    assert.equal(call.method, 'PUT')
    assert.equal(call.headers['content-type'], 'application/json')
    assert.equal(call.headers.cookie, 'Authorization=token-1')
    assert.deepEqual(JSON.parse(call.body), {
      id: 'string',
      version: 'string',
      requesttime: '2025-04-17T07:30:00.000Z',
      request: {
        id: '100014728301957',
        refId: '10001_10004',
        offlineMode: false,
        process: 'CRVS_NEW',
        source: 'CRVS1',
        schemaVersion: '0.500',
        fields: packetRequest.fields,
        metaInfo: packetRequest.metaInfo,
        audits: packetRequest.audits,
        schemaJson: DEFAULT_ID_SCHEMA_JSON
      }
    })
  })

  it('sends a request schema instead of the default, and only strings in fields', async () => {
    const packets = setUp()
    const loose = {
      ...packetRequest,
      schemaJson: '{"custom":1}',
      fields: { ...packetRequest.fields, IDSchemaVersion: 0.5, skipped: undefined }
    } as unknown as PacketRequest
    await packets.createPacket(loose)
    const body = JSON.parse(packetCalls()[0]!.body) as {
      request: { schemaJson: string; fields: Record<string, unknown> }
    }
    assert.equal(body.request.schemaJson, '{"custom":1}')
    assert.equal(body.request.fields.IDSchemaVersion, '0.5')
    assert.equal('skipped' in body.request.fields, false)
  })

  it('treats errors[] inside HTTP 200 as failures (retry, or permanent for invalid requests)', async () => {
    const packets = setUp()
    packetAnswer = (res) =>
      sendJson(res, 200, {
        id: null,
        response: null,
        errors: [
          {
            errorCode: 'KER-PUT-006',
            message: 'No available provider for given source and process'
          }
        ]
      })
    const transient = await packets.createPacket(packetRequest)
    assert.equal(transient.kind, 'retry')
    if (transient.kind === 'retry') assert.equal(transient.code, 'KER-PUT-006')

    packetAnswer = (res) =>
      sendJson(res, 200, {
        response: null,
        errors: [{ errorCode: 'KER-KPM-008', message: 'Registration audits is empty' }]
      })
    const invalid = await packets.createPacket(packetRequest)
    assert.equal(invalid.kind, 'permanent')
    if (invalid.kind === 'permanent') assert.equal(invalid.code, 'KER-KPM-008')
  })

  it('treats 200 with response null or an empty list as a failure to retry', async () => {
    const packets = setUp()
    for (const response of [null, []]) {
      packetAnswer = (res) => sendJson(res, 200, { response, errors: [] })
      const outcome = await packets.createPacket(packetRequest)
      assert.equal(outcome.kind, 'retry')
      if (outcome.kind === 'retry') assert.equal(outcome.code, 'MOSIP_EMPTY_RESPONSE')
    }
  })

  it('retries 5xx (honouring Retry-After) and unreachable MOSIP', async () => {
    const packets = setUp()
    packetAnswer = (res) => sendJson(res, 503, { message: 'busy' }, { 'Retry-After': '7' })
    const busy = await packets.createPacket(packetRequest)
    assert.deepEqual(busy, {
      kind: 'retry',
      code: 'MOSIP_HTTP_503',
      reason: 'MOSIP answered HTTP 503',
      afterMs: 7000
    })

    const unreachable = await client({
      createPacketUrl: `http://127.0.0.1:${await closedPort()}/createPacket`
    }).createPacket(packetRequest)
    assert.equal(unreachable.kind, 'retry')
    if (unreachable.kind === 'retry') assert.equal(unreachable.code, 'MOSIP_UNREACHABLE')
  })

  it('after a 401: invalidates the token, logs in once more and retries once', async () => {
    const packets = setUp()
    accepted = (token) => token !== 'token-1'
    const outcome = await packets.createPacket(packetRequest)
    assert.equal(outcome.kind, 'ok')
    assert.equal(logins().length, 2)
    assert.deepEqual(
      packetCalls().map((c) => c.headers.cookie),
      ['Authorization=token-1', 'Authorization=token-2']
    )
  })

  it('with 100 concurrent jobs on a revoked token, logs in again exactly once', async () => {
    const packets = setUp()
    await packets.createPacket(packetRequest) // caches token-1
    accepted = (token) => token !== 'token-1'
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, () => packets.createPacket(packetRequest))
    )
    assert.ok(outcomes.every((o) => o.kind === 'ok'))
    assert.equal(logins().length, 2)
  })

  it('gives up after one re-login when MOSIP keeps refusing; the next call logs in afresh', async () => {
    const packets = setUp()
    accepted = () => false
    const outcome = await packets.createPacket(packetRequest)
    assert.equal(outcome.kind, 'retry')
    if (outcome.kind === 'retry') assert.equal(outcome.code, 'MOSIP_AUTH_REJECTED')
    assert.equal(logins().length, 2)
    assert.equal(packetCalls().length, 2)
    // The next attempt does not reuse the refused token-2: it starts with login 3.
    await packets.createPacket(packetRequest)
    assert.equal(packetCalls()[2]?.headers.cookie, 'Authorization=token-3')
    assert.equal(logins().length, 4)
  })

  it('does not call the packet manager when the login is refused', async () => {
    const packets = setUp()
    mosip.handle((request, res) =>
      request.path.startsWith('/v1/authmanager')
        ? sendJson(res, 401, {
            errors: [{ errorCode: 'KER-ATH-401', message: 'Authentication Failed' }]
          })
        : sendJson(res, 500, {})
    )
    const outcome = await packets.createPacket(packetRequest)
    assert.equal(outcome.kind, 'retry')
    if (outcome.kind === 'retry') assert.equal(outcome.code, 'MOSIP_LOGIN_REFUSED')
    assert.equal(packetCalls().length, 0)
  })

  it('sends exactly the reference workflowinstance envelope and reads the instance id', async () => {
    const packets = setUp()
    const outcome = await packets.startWorkflow({
      registrationId: '100014728301957',
      process: 'CRVS_NEW',
      notification: { name: 'Mary Bwalya', phone: '+260971234567', email: 'mary@example.org' }
    })
    assert.deepEqual(outcome, {
      kind: 'ok',
      value: { alreadyStarted: false, workflowInstanceId: 'dd9f218b-279c-4d93-8cda-9857976293ea' }
    })
    const call = mosip.received.find((r) => r.path.endsWith('/workflowinstance'))
    assert.ok(call)
    assert.equal(call.method, 'POST')
    assert.equal(call.headers['content-type'], 'application/json')
    assert.equal(call.headers.cookie, 'Authorization=token-1')
    assert.deepEqual(JSON.parse(call.body), {
      id: 'mosip.registration.processor.workflow.instance',
      version: 'v1',
      requesttime: '2025-04-17T07:30:00.000Z',
      request: {
        registrationId: '100014728301957',
        process: 'CRVS_NEW',
        source: 'CRVS1',
        additionalInfoReqId: '',
        notificationInfo: { name: 'Mary Bwalya', phone: '+260971234567', email: 'mary@example.org' }
      }
    })
  })

  it('maps RPR-WIS-001 to alreadyStarted and other workflow errors to retries', async () => {
    const packets = setUp()
    const request = {
      registrationId: '100014728301957',
      process: 'CRVS_NEW' as const,
      notification: { name: 'M', phone: '', email: '' }
    }
    workflowAnswer = (res) =>
      sendJson(res, 200, {
        response: null,
        errors: [{ errorCode: 'RPR-WIS-001', message: 'WorkflowInstance already present' }]
      })
    assert.deepEqual(await packets.startWorkflow(request), {
      kind: 'ok',
      value: { alreadyStarted: true }
    })

    workflowAnswer = (res) =>
      sendJson(res, 200, {
        response: null,
        errors: [{ errorCode: 'RPR-WIS-000', message: 'Unknown Exception' }]
      })
    const unknown = await packets.startWorkflow(request)
    assert.equal(unknown.kind, 'retry')
    if (unknown.kind === 'retry') assert.equal(unknown.code, 'RPR-WIS-000')

    workflowAnswer = (res) =>
      sendJson(res, 200, {
        response: null,
        errors: [{ errorCode: 'RPR-WIN-001', message: 'Invalid Request Value - id' }]
      })
    assert.equal((await packets.startWorkflow(request)).kind, 'permanent')
  })
})
