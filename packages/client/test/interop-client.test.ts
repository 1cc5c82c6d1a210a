import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import {
  MosipInteropError,
  MosipInteropHttpError,
  MosipInteropNetworkError,
  MosipInteropPayloadError,
  MosipInteropResponseError,
  buildBirthRegistrationPayload,
  createMosipInteropClient,
  endpointUrl,
  retryAfterMs,
  retryDelayMs,
  DEFAULT_RETRY_POLICY,
  type MosipCorrectionPayload,
  type MosipInteropPayload,
  type RetryNotice
} from '../src/index.js'
import {
  deadUrl,
  hang,
  json,
  reset,
  startFakeBridge,
  text,
  type FakeBridge
} from './fixtures/fake-bridge.js'
import { birthWithVerifiedMother, registerTrigger } from './fixtures/event-documents.js'

const payload: MosipInteropPayload = buildBirthRegistrationPayload(
  registerTrigger({ declaration: birthWithVerifiedMother() }),
  'PD9TL0RL12RO'
)
const correction: MosipCorrectionPayload = {
  trackingId: 'B7X2KQ',
  notification: { recipientFullName: 'Grace Banda', recipientEmail: '', recipientPhone: '' },
  requestFields: { VID: '4826159370', fullName: '[{"language":"eng","value":"Adaeze Banda"}]' },
  metaInfo: {},
  audit: {}
}
const fast = { retryDelayMs: 1, maxRetryDelayMs: 5 }

describe('endpoint URLs', () => {
  it('joins with or without a trailing slash, keeping a path', () => {
    for (const base of ['http://bridge:2024', 'http://bridge:2024/']) {
      assert.equal(
        endpointUrl(base, 'events/registration'),
        'http://bridge:2024/events/registration'
      )
    }
    for (const base of [
      'https://host/mosip-api',
      'https://host/mosip-api/',
      'https://host/mosip-api//'
    ]) {
      assert.equal(endpointUrl(base, 'verify'), 'https://host/mosip-api/verify')
    }
    assert.equal(endpointUrl('https://host/a/b?x=1', '/verify'), 'https://host/a/b/verify?x=1')
  })

  it('refuses what is not an absolute http(s) URL', () => {
    assert.throws(() => endpointUrl('bridge:2024', 'verify'), TypeError)
    assert.throws(() => endpointUrl('/events', 'verify'), TypeError)
    assert.throws(() => createMosipInteropClient('ftp://host', 'Bearer x'), TypeError)
  })
})

describe('retry policy', () => {
  it('backs off exponentially with jitter, capped, and honours Retry-After within the cap', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 }
    const low = { ...policy, random: () => 0 }
    const high = { ...policy, random: () => 0.999999 }
    assert.equal(retryDelayMs(low, 1), 50)
    assert.equal(retryDelayMs(high, 1), 100)
    assert.equal(retryDelayMs(low, 3), 200)
    assert.equal(retryDelayMs(high, 10), 1000)
    assert.equal(retryDelayMs(policy, 1, 300), 300)
    assert.equal(retryDelayMs(policy, 1, 60_000), 1000)
    assert.equal(retryAfterMs('2'), 2000)
    assert.equal(retryAfterMs(null), undefined)
    assert.equal(retryAfterMs('soon'), undefined)
    assert.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6000)
  })
})

describe('createMosipInteropClient against a scripted bridge', () => {
  let bridge: FakeBridge
  before(async () => {
    bridge = await startFakeBridge()
  })
  after(async () => {
    await bridge.close()
  })
  beforeEach(() => {
    bridge.received.length = 0
    bridge.script(json(202, { transactionId: 't-1' }))
  })

  it('registers: POST /events/registration with the header and payload, answer 202', async () => {
    const client = createMosipInteropClient(`${bridge.url}/`, 'Bearer action-token')
    assert.deepEqual(await client.register(payload), { transactionId: 't-1' })
    const [request] = bridge.received
    assert.equal(request?.method, 'POST')
    assert.equal(request?.url, '/events/registration')
    assert.equal(request?.headers.authorization, 'Bearer action-token')
    assert.match(String(request?.headers['content-type']), /^application\/json/)
    assert.deepEqual(JSON.parse(request!.body), payload)
  })

  it('keeps the path of a base URL without a trailing slash', async () => {
    const client = createMosipInteropClient(`${bridge.url}/mosip-api`, 'Bearer t')
    await client.register(payload)
    await client.updateBiographics(correction)
    bridge.script(text(200, 'verified'))
    await client.verifyNid({ nid: '1', dob: '2000-01-01', name: { firstname: 'A', surname: 'B' } })
    assert.deepEqual(
      bridge.received.map((r) => r.url),
      [
        '/mosip-api/events/registration',
        '/mosip-api/events/update-biographics',
        '/mosip-api/verify'
      ]
    )
  })

  it("accepts the reference mosip-api's 202 {} and an empty body", async () => {
    const client = createMosipInteropClient(bridge.url, 'Bearer t')
    bridge.script(json(202, {}))
    assert.deepEqual(await client.register(payload), {})
    bridge.script(text(202, ''))
    assert.deepEqual(await client.updateBiographics(correction), {})
  })

  it('does not retry a 4xx; the error carries the status and the bridge message', async () => {
    bridge.script(
      json(400, {
        statusCode: 400,
        error: 'Bad Request',
        message: 'the token carries no eventId claim'
      })
    )
    const client = createMosipInteropClient(bridge.url, 'Bearer t', fast)
    const error = await client.register(payload).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e
    )
    assert.ok(error instanceof MosipInteropHttpError)
    assert.ok(error instanceof MosipInteropError)
    assert.equal(error.code, 'HTTP_STATUS')
    assert.equal(error.status, 400)
    assert.equal(error.bridgeMessage, 'the token carries no eventId claim')
    assert.equal(error.attempts, 1)
    assert.equal(error.retryable, false)
    assert.equal(error.operation, 'register')
    assert.match(error.message, /^Failed to register event: the bridge answered 400: the token/)
    assert.equal(bridge.received.length, 1)
  })

  it("reads mosip-api's {error} body and plain text bodies", async () => {
    const client = createMosipInteropClient(bridge.url, 'Bearer t', fast)
    bridge.script(json(401, { error: 'Unauthorized' }))
    await assert.rejects(client.register(payload), { status: 401, bridgeMessage: 'Unauthorized' })
    bridge.script(text(403, 'Forbidden by policy'))
    await assert.rejects(client.updateBiographics(correction), {
      status: 403,
      bridgeMessage: 'Forbidden by policy',
      message: 'Failed to update biographics: the bridge answered 403: Forbidden by policy'
    })
  })

  it('retries 5xx with backoff, then succeeds', async () => {
    bridge.script(
      json(503, { message: 'busy' }),
      json(500, { message: 'internal error' }),
      json(202, { transactionId: 't-2' })
    )
    const notices: RetryNotice[] = []
    const client = createMosipInteropClient(bridge.url, 'Bearer t', {
      ...fast,
      onRetry: (notice) => notices.push(notice)
    })
    assert.deepEqual(await client.register(payload), { transactionId: 't-2' })
    assert.equal(bridge.received.length, 3)
    assert.deepEqual(
      notices.map((n) => [n.attempt, (n.error as MosipInteropHttpError).status]),
      [
        [1, 503],
        [2, 500]
      ]
    )
    assert.ok(notices.every((n) => n.delayMs >= 0 && n.delayMs <= 5))
    assert.equal(
      new Set(bridge.received.map((r) => r.body)).size,
      1,
      'every attempt sends the same body'
    )
  })

  it('gives up after the configured retries with the last 5xx', async () => {
    bridge.script(json(502, { message: 'bad gateway' }))
    const client = createMosipInteropClient(bridge.url, 'Bearer t', { ...fast, retries: 3 })
    await assert.rejects(client.register(payload), (error: unknown) => {
      assert.ok(error instanceof MosipInteropHttpError)
      assert.equal(error.status, 502)
      assert.equal(error.attempts, 4)
      assert.equal(error.retryable, true)
      return true
    })
    assert.equal(bridge.received.length, 4)
  })

  it('honours Retry-After on a 503 (within the cap)', async () => {
    bridge.script(json(503, { message: 'later' }, { 'retry-after': '0' }), json(202, {}))
    const notices: RetryNotice[] = []
    const client = createMosipInteropClient(bridge.url, 'Bearer t', {
      retryDelayMs: 5000,
      onRetry: (notice) => notices.push(notice)
    })
    await client.register(payload)
    assert.equal(notices[0]?.delayMs, 0)
  })

  it('times out a bridge that does not answer, and retries', async () => {
    bridge.script(hang)
    const client = createMosipInteropClient(bridge.url, 'Bearer t', {
      ...fast,
      timeoutMs: 100,
      retries: 1
    })
    const started = Date.now()
    await assert.rejects(client.register(payload), (error: unknown) => {
      assert.ok(error instanceof MosipInteropNetworkError)
      assert.equal(error.code, 'TIMEOUT')
      assert.equal(error.attempts, 2)
      assert.match(error.message, /did not answer within 100 ms/)
      return true
    })
    assert.equal(bridge.received.length, 2)
    assert.ok(Date.now() - started < 2000)
  })

  it('retries a dropped connection', async () => {
    bridge.script(reset, json(202, { transactionId: 't-3' }))
    const client = createMosipInteropClient(bridge.url, 'Bearer t', fast)
    assert.deepEqual(await client.register(payload), { transactionId: 't-3' })
    assert.equal(bridge.received.length, 2)
  })

  it('reports an unreachable bridge as a network error after the retries', async () => {
    const url = await deadUrl()
    const notices: RetryNotice[] = []
    const client = createMosipInteropClient(url, 'Bearer t', {
      ...fast,
      onRetry: (n) => notices.push(n)
    })
    await assert.rejects(client.register(payload), (error: unknown) => {
      assert.ok(error instanceof MosipInteropNetworkError)
      assert.equal(error.code, 'NETWORK')
      assert.equal(error.attempts, 3)
      assert.match(error.message, /^Failed to register event: the bridge could not be reached/)
      assert.match(error.message, /ECONNREFUSED/)
      return true
    })
    assert.equal(notices.length, 2)
  })

  it('validates payloads before sending anything', async () => {
    const client = createMosipInteropClient(bridge.url, 'Bearer t')
    const { trackingId: _t, ...withoutTracking } = payload
    await assert.rejects(
      client.register(withoutTracking as MosipInteropPayload),
      (error: unknown) => {
        assert.ok(error instanceof MosipInteropPayloadError)
        assert.equal(error.code, 'INVALID_PAYLOAD')
        assert.equal(error.attempts, 0)
        assert.match(error.issues.join(), /trackingId/)
        return true
      }
    )
    await assert.rejects(
      client.register({
        ...payload,
        requestFields: { ...payload.requestFields, deathCertificateNumber: 'D1' }
      }),
      /exactly one of birthCertificateNumber and deathCertificateNumber/
    )
    await assert.rejects(
      client.register({ ...payload, requestFields: { fullName: 'x' } }),
      MosipInteropPayloadError
    )
    await assert.rejects(
      client.updateBiographics({ ...correction, requestFields: { fullName: 'x' } as never }),
      /requestFields\.VID/
    )
    await assert.rejects(
      client.verifyNid({ nid: '', dob: '2000-01-01', name: { firstname: 'A', surname: 'B' } }),
      /nid: a non-empty string/
    )
    assert.equal(bridge.received.length, 0)
  })

  it('verifies a national id: text verified or failed', async () => {
    const client = createMosipInteropClient(bridge.url, 'Bearer t', fast)
    const person = {
      nid: '5836471920',
      dob: '1990-04-12',
      name: { firstname: 'Chanda', surname: 'Bwalya' },
      gender: 'female'
    }
    bridge.script(text(200, 'verified'))
    assert.equal(await client.verifyNid(person), 'verified')
    bridge.script(text(200, 'failed\n'))
    assert.equal(await client.verifyNid(person), 'failed')
    assert.deepEqual(JSON.parse(bridge.received[0]!.body), person)
    assert.equal(bridge.received[0]?.url, '/verify')
    assert.equal(bridge.received[0]?.headers.accept, 'text/plain', 'asks for the text answer')
    bridge.script(json(200, { status: 'failed', errors: [] }))
    assert.equal(await client.verifyNid(person), 'failed', 'reads a JSON answer too')
    bridge.script(json(200, { status: 'ok' }))
    await assert.rejects(client.verifyNid(person), (error: unknown) => {
      assert.ok(error instanceof MosipInteropResponseError)
      assert.equal(error.code, 'INVALID_RESPONSE')
      assert.match(error.message, /^Failed to verify: expected "verified" or "failed"/)
      return true
    })
    bridge.script(json(500, { message: 'IDA unreachable' }), text(200, 'verified'))
    assert.equal(await client.verifyNid(person), 'verified')
  })
})
