/**
 * The MOSIP external status search client (`MosipRegistrationStatusClient`): the wire format and
 * the reading of answers against a recording server, then against the simulated MOSIP (auth
 * manager, packet manager, registration processor) on a real socket.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import {
  closedPort,
  sendJson,
  startRecordingServer,
  waitFor,
  type RecordedRequest,
  type RecordingServer
} from '@mosip-bridge/test-support'
import { createMosipSimulator, type MosipSimulator } from '@mosip-bridge/simulators'
import { MosipTokenSource } from '../src/integrations/mosip/auth-token.js'
import {
  MOSIP_STATUS_NOT_REPORTED,
  MosipRegistrationStatusClient
} from '../src/integrations/mosip/registration-status.client.js'
import type { MosipStatusResult } from '../src/core/ports.js'
import { CALL_TIMEOUT_MS, T0, authManager, counterTokens } from './helpers/mosip-auth-manager.js'
import { packetClientTokens, submitBirthPacket } from './helpers/simulated-mosip.js'

const STATUS_PATH = '/registrationprocessor/v1/registrationstatus/externalstatus/search'

/** `count` distinct 15-digit registration ids. */
function registrationIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `10001${String(i).padStart(10, '0')}`)
}

describe('MosipRegistrationStatusClient on the wire', () => {
  let mosip: RecordingServer
  let issued: ReturnType<typeof counterTokens>
  let accepted: (token: string | undefined) => boolean
  /** Answers one status search; default: every asked id is PROCESSING. */
  let statusAnswer: (request: RecordedRequest, res: ServerResponse) => void

  const cookieToken = (headers: IncomingHttpHeaders) =>
    /(?:^|;\s*)Authorization=([^;]*)/.exec(headers.cookie ?? '')?.[1]

  const askedIds = (request: RecordedRequest): string[] =>
    (JSON.parse(request.body) as { request: Array<{ registrationId: string }> }).request.map(
      (item) => item.registrationId
    )

  const envelope = (response: unknown, errors: unknown = []) => ({
    id: 'mosip.registration.external.status',
    version: '1.0',
    responsetime: '2025-04-17T07:30:01.000Z',
    response,
    errors
  })

  beforeEach(async () => {
    mosip = await startRecordingServer(() => undefined)
    issued = counterTokens()
    accepted = () => true
    statusAnswer = (request, res) =>
      sendJson(
        res,
        200,
        envelope(
          askedIds(request).map((registrationId) => ({
            registrationId,
            statusCode: 'PROCESSING',
            additionalInfoReqId: null
          }))
        )
      )
    mosip.handle((request, res) => {
      if (request.path.startsWith('/v1/authmanager')) return authManager(issued.issue)(request, res)
      if (!accepted(cookieToken(request.headers))) {
        return sendJson(res, 401, {
          errors: [{ errorCode: 'KER-ATH-401', message: 'Authentication Failed' }]
        })
      }
      if (request.path === STATUS_PATH) return statusAnswer(request, res)
      res.writeHead(404)
      res.end()
    })
  })
  afterEach(() => mosip.close())

  function client(
    overrides: Partial<ConstructorParameters<typeof MosipRegistrationStatusClient>[0]> = {}
  ) {
    return new MosipRegistrationStatusClient({
      url: `${mosip.url}${STATUS_PATH}`,
      tokens: new MosipTokenSource({
        authUrl: `${mosip.url}/v1/authmanager/authenticate/clientidsecretkey`,
        clientId: 'mosip-status-client',
        secretKey: 'status-secret',
        appId: 'regproc',
        timeoutMs: CALL_TIMEOUT_MS
      }),
      timeoutMs: CALL_TIMEOUT_MS,
      clock: () => T0,
      ...overrides
    })
  }

  const statusCalls = () => mosip.received.filter((r) => r.path === STATUS_PATH)
  const logins = () => mosip.received.filter((r) => r.path.startsWith('/v1/authmanager'))

  it("sends MOSIP's externalstatus/search envelope with the status client's cookie", async () => {
    const outcome = await client().statusOf(['100014728301957', '100019999999999'])
    assert.deepEqual(outcome, {
      kind: 'ok',
      value: [
        { registrationId: '100014728301957', status: 'PROCESSING' },
        { registrationId: '100019999999999', status: 'PROCESSING' }
      ]
    })
    const [call] = statusCalls()
    assert.ok(call)
    assert.equal(call.method, 'POST')
    assert.equal(call.headers['content-type'], 'application/json')
    assert.equal(call.headers.cookie, 'Authorization=token-1')
    assert.deepEqual(JSON.parse(call.body), {
      id: 'mosip.registration.external.status',
      version: '1.0',
      requesttime: '2025-04-17T07:30:00.000Z',
      request: [{ registrationId: '100014728301957' }, { registrationId: '100019999999999' }]
    })
    const login = JSON.parse(logins()[0]!.body) as { request: Record<string, string> }
    assert.deepEqual(login.request, {
      clientId: 'mosip-status-client',
      secretKey: 'status-secret',
      appId: 'regproc'
    })
  })

  it('formats requesttime as yyyy-MM-ddTHH:mm:ss.SSSZ in UTC', async () => {
    await client({ clock: () => Date.UTC(2026, 0, 5, 3, 4, 5, 6) }).statusOf(['100014728301957'])
    const body = JSON.parse(statusCalls()[0]!.body) as { requesttime: string }
    assert.equal(body.requesttime, '2026-01-05T03:04:05.006Z')
    assert.match(body.requesttime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/)
  })

  it('asks at most 100 ids per call, one call after the other, with one login', async () => {
    let inFlight = 0
    let most = 0
    const answer = statusAnswer
    statusAnswer = (request, res) => {
      inFlight += 1
      most = Math.max(most, inFlight)
      setTimeout(() => {
        inFlight -= 1
        answer(request, res)
      }, 20)
    }
    const ids = registrationIds(250)
    const outcome = await client().statusOf(ids)
    assert.equal(outcome.kind, 'ok')
    if (outcome.kind === 'ok') {
      assert.deepEqual(
        outcome.value.map((result) => result.registrationId),
        ids
      )
    }
    assert.deepEqual(
      statusCalls().map((call) => askedIds(call).length),
      [100, 100, 50]
    )
    assert.deepEqual(statusCalls().flatMap(askedIds), ids)
    assert.equal(most, 1, 'calls are sequential')
    assert.equal(logins().length, 1)
  })

  it('asks each id once and makes no call for no ids', async () => {
    assert.deepEqual(await client().statusOf([]), { kind: 'ok', value: [] })
    assert.equal(mosip.received.length, 0)
    const [a, b] = registrationIds(2) as [string, string]
    const outcome = await client().statusOf([a, b, a])
    assert.equal(outcome.kind, 'ok')
    assert.deepEqual(askedIds(statusCalls()[0]!), [a, b])
  })

  it('reads every external status and keeps codes it does not know', async () => {
    const codes = [
      'PROCESSING',
      'REREGISTER',
      'PROCESSED',
      'RESEND',
      'RECEIVED',
      'REJECTED',
      'REPROCESS_FAILED',
      'UPLOAD_PENDING',
      'UIN_GENERATED',
      'AWAITING_INFORMATION',
      'SOME_FUTURE_STATUS'
    ]
    const ids = registrationIds(codes.length)
    statusAnswer = (_request, res) =>
      sendJson(
        res,
        200,
        envelope(
          ids.map((registrationId, i) => ({
            registrationId,
            statusCode: codes[i],
            additionalInfoReqId: null
          }))
        )
      )
    const outcome = await client().statusOf(ids)
    assert.deepEqual(outcome, {
      kind: 'ok',
      value: ids.map((registrationId, i) => ({ registrationId, status: codes[i] }))
    })
  })

  it('reports RPR-RGS-031 (errorMessage, not message) as an unknown id, other per-id errors as such', async () => {
    const [known, unknown, broken, silent] = registrationIds(4) as [string, string, string, string]
    statusAnswer = (_request, res) =>
      sendJson(
        res,
        200,
        envelope(
          [
            { registrationId: known, statusCode: 'UIN_GENERATED', additionalInfoReqId: null },
            { registrationId: '100010000009999', statusCode: 'REJECTED' }
          ],
          [
            { registrationId: unknown, errorCode: 'RPR-RGS-031', errorMessage: 'RID Not Found' },
            { registrationId: broken, errorCode: 'RPR-RGS-018', errorMessage: 'Unknown Exception' }
          ]
        )
      )
    const outcome = await client().statusOf([known, unknown, broken, silent])
    const expected: MosipStatusResult[] = [
      { registrationId: known, status: 'UIN_GENERATED' },
      { registrationId: unknown, unknown: true },
      { registrationId: broken, error: { code: 'RPR-RGS-018', message: 'Unknown Exception' } },
      {
        registrationId: silent,
        error: { code: MOSIP_STATUS_NOT_REPORTED, message: 'MOSIP answered without this id' }
      }
    ]
    assert.deepEqual(outcome, { kind: 'ok', value: expected })
  })

  it('accepts a null response when every asked id is unknown', async () => {
    const ids = registrationIds(2)
    statusAnswer = (_request, res) =>
      sendJson(
        res,
        200,
        envelope(
          null,
          ids.map((registrationId) => ({
            registrationId,
            errorCode: 'RPR-RGS-031',
            errorMessage: 'RID Not Found'
          }))
        )
      )
    assert.deepEqual(await client().statusOf(ids), {
      kind: 'ok',
      value: ids.map((registrationId) => ({ registrationId, unknown: true }))
    })
  })

  it('treats request errors inside HTTP 200 as failures of the call: validation is permanent', async () => {
    statusAnswer = (_request, res) =>
      sendJson(
        res,
        200,
        envelope(null, [
          {
            errorCode: 'RPR-RGS-015',
            message: 'Invalid Request Value - Input Data is Incorrect'
          },
          { errorCode: 'RPR-RGS-023', message: 'Invalid Request Parameter - requesttime' }
        ])
      )
    const invalid = await client().statusOf(registrationIds(1))
    assert.equal(invalid.kind, 'permanent')
    if (invalid.kind === 'permanent') {
      assert.equal(invalid.code, 'RPR-RGS-015')
      assert.match(invalid.reason, /RPR-RGS-023 Invalid Request Parameter - requesttime/)
    }

    statusAnswer = (_request, res) =>
      sendJson(
        res,
        200,
        envelope(null, [{ errorCode: 'RPR-RGS-018', message: 'Unknown Exception Found' }])
      )
    const unknown = await client().statusOf(registrationIds(1))
    assert.equal(unknown.kind, 'retry')
    if (unknown.kind === 'retry') assert.equal(unknown.code, 'RPR-RGS-018')
  })

  it('treats 200 with response null and no errors, or a response that is not a list, as a retry', async () => {
    for (const response of [null, { registrationId: 'x' }]) {
      statusAnswer = (_request, res) => sendJson(res, 200, envelope(response, null))
      const outcome = await client().statusOf(registrationIds(1))
      assert.equal(outcome.kind, 'retry')
      if (outcome.kind === 'retry') assert.equal(outcome.code, 'MOSIP_EMPTY_RESPONSE')
    }
  })

  it('retries 5xx (honouring Retry-After), 429 and unreachable MOSIP', async () => {
    statusAnswer = (_request, res) =>
      sendJson(res, 503, { message: 'busy' }, { 'Retry-After': '7' })
    assert.deepEqual(await client().statusOf(registrationIds(1)), {
      kind: 'retry',
      code: 'MOSIP_HTTP_503',
      reason: 'MOSIP answered HTTP 503',
      afterMs: 7000
    })

    statusAnswer = (_request, res) => sendJson(res, 429, {})
    const throttled = await client().statusOf(registrationIds(1))
    assert.equal(throttled.kind, 'retry')
    if (throttled.kind === 'retry') assert.equal(throttled.code, 'MOSIP_THROTTLED')

    const unreachable = await client({
      url: `http://127.0.0.1:${await closedPort()}${STATUS_PATH}`
    }).statusOf(registrationIds(1))
    assert.equal(unreachable.kind, 'retry')
    if (unreachable.kind === 'retry') assert.equal(unreachable.code, 'MOSIP_UNREACHABLE')
  })

  it('retries a call that gets no answer within the timeout', async () => {
    statusAnswer = () => undefined // never answers
    const outcome = await client({ timeoutMs: 200 }).statusOf(registrationIds(1))
    assert.equal(outcome.kind, 'retry')
    if (outcome.kind === 'retry') assert.equal(outcome.code, 'MOSIP_UNREACHABLE')
  })

  it('ends at the first failed call and returns its outcome', async () => {
    let calls = 0
    const answer = statusAnswer
    statusAnswer = (request, res) => {
      calls += 1
      if (calls === 2) return sendJson(res, 502, {})
      answer(request, res)
    }
    const outcome = await client().statusOf(registrationIds(250))
    assert.equal(outcome.kind, 'retry')
    if (outcome.kind === 'retry') assert.equal(outcome.code, 'MOSIP_HTTP_502')
    assert.equal(statusCalls().length, 2)
  })

  it('after a 401: logs in once more and retries once; a second refusal is a retry', async () => {
    accepted = (token) => token !== 'token-1'
    const outcome = await client().statusOf(registrationIds(1))
    assert.equal(outcome.kind, 'ok')
    assert.deepEqual(
      statusCalls().map((c) => c.headers.cookie),
      ['Authorization=token-1', 'Authorization=token-2']
    )

    accepted = () => false
    const refused = await client().statusOf(registrationIds(1))
    assert.equal(refused.kind, 'retry')
    if (refused.kind === 'retry') assert.equal(refused.code, 'MOSIP_AUTH_REJECTED')
  })

  it('does not call the status API when the login is refused', async () => {
    mosip.handle((request, res) =>
      request.path.startsWith('/v1/authmanager')
        ? sendJson(res, 401, {
            errors: [{ errorCode: 'KER-ATH-401', message: 'Authentication Failed' }]
          })
        : sendJson(res, 500, {})
    )
    const outcome = await client().statusOf(registrationIds(1))
    assert.equal(outcome.kind, 'retry')
    if (outcome.kind === 'retry') assert.equal(outcome.code, 'MOSIP_LOGIN_REFUSED')
    assert.equal(statusCalls().length, 0)
  })

  it('refuses a batch size above what MOSIP processes', () => {
    assert.throws(() => client({ batchSize: 101 }), RangeError)
    assert.throws(() => client({ batchSize: 0 }), RangeError)
  })
})

describe('MosipRegistrationStatusClient against the simulated MOSIP', () => {
  let mosip: MosipSimulator

  before(async () => {
    mosip = await createMosipSimulator({ stepDelayMs: 5 })
  })
  after(() => mosip.close())

  const statusClient = () =>
    new MosipRegistrationStatusClient({
      url: `${mosip.url}${STATUS_PATH}`,
      tokens: packetClientTokens(mosip),
      timeoutMs: CALL_TIMEOUT_MS
    })

  const statusOf = async (ids: string[]): Promise<MosipStatusResult[]> => {
    const outcome = await statusClient().statusOf(ids)
    if (outcome.kind !== 'ok') assert.fail(JSON.stringify(outcome))
    return outcome.value
  }

  const statusIs = async (registrationId: string, status: string): Promise<boolean> => {
    const [result] = await statusOf([registrationId])
    return result !== undefined && 'status' in result && result.status === status
  }

  it('reports a processed packet as UIN_GENERATED and an id MOSIP never saw as unknown', async () => {
    const [done, never] = ['100017000000001', '100017000000002']
    await submitBirthPacket(mosip, done)
    await waitFor('the packet to be processed', async () => statusIs(done, 'UIN_GENERATED'))
    assert.deepEqual(await statusOf([done, never]), [
      { registrationId: done, status: 'UIN_GENERATED' },
      { registrationId: never, unknown: true }
    ])
  })

  it('reports a packet rejected in processing as REJECTED, not PROCESSED', async () => {
    const rejected = '100017000000003'
    mosip.core.pipeline.setOutcome(rejected, 'rejected')
    await submitBirthPacket(mosip, rejected)
    await waitFor('the packet to be rejected', async () => statusIs(rejected, 'REJECTED'))
  })

  it('reports a packet still in processing as PROCESSING', async () => {
    const waiting = '100017000000004'
    mosip.core.pipeline.pause()
    try {
      await submitBirthPacket(mosip, waiting)
      assert.deepEqual(await statusOf([waiting]), [
        { registrationId: waiting, status: 'PROCESSING' }
      ])
    } finally {
      mosip.core.pipeline.resume()
    }
  })

  it('passes the simulated MOSIP request validation for more than one batch', async () => {
    const ids = registrationIds(150)
    const results = await statusOf(ids)
    assert.equal(results.length, 150)
    assert.ok(results.every((result) => 'unknown' in result))
  })
})
