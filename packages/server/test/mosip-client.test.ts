/**
 * The MOSIP client side (auth manager, packet manager, registration processor, WebSub hub)
 * against small HTTP servers written here, on real sockets, asserting on what arrives.
 */
import { describe, it, before, after, beforeEach, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import {
  MosipTokenSource,
  decodeJwtClaims,
  extractAuthToken,
  tokenRefreshAt
} from '../src/integrations/mosip/auth-token.js'
import { exchange } from '../src/integrations/http-exchange.js'
import { MosipPacketClient } from '../src/integrations/mosip/packet-manager.client.js'
import { WebsubSubscriber, classifyHubAnswer } from '../src/integrations/mosip/websub-subscriber.js'
import {
  DEFAULT_ID_SCHEMA_JSON,
  MOSIP_DATE_PATTERN
} from '../src/integrations/mosip/default-id-schema.js'
import type { PacketRequest } from '../src/core/ports.js'
import { waitFor } from '@mosip-bridge/test-support'

// ---------------------------------------------------------------- test servers

interface Received {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
}

type Handler = (request: Received, response: ServerResponse) => void | Promise<void>

interface TestServer {
  url: string
  port: number
  received: Received[]
  handle: (handler: Handler) => void
  close: () => Promise<void>
}

/** An HTTP server on 127.0.0.1 that records every request and answers with `handler`. */
async function startServer(handler: Handler, port = 0): Promise<TestServer> {
  let current = handler
  const received: Received[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      received.push(request)
      Promise.resolve(current(request, res)).catch((error: unknown) => {
        res.statusCode = 599
        res.end(String(error))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const actual = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    received,
    handle: (next) => {
      current = next
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

/** A port nothing listens on (connections are refused). */
async function closedPort(): Promise<number> {
  const server = await startServer(() => undefined)
  await server.close()
  return server.port
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
) {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

/** An unsigned JWT-shaped token: only its claims matter to the bridge. */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`
}

const AUTH_OK_BODY = {
  id: 'string',
  version: 'string',
  responsetime: '2025-01-01T00:00:00.000Z',
  metadata: null,
  response: {
    status: 'Success',
    message: 'Clientid and Token combination had been validated successfully'
  },
  errors: null
}

/** Auth manager answering like MOSIP: the token as cookie and header, a JSON envelope. */
function authManager(issue: () => string): Handler {
  return (_request, res) => {
    const token = issue()
    res.setHeader('Set-Cookie', [
      'JSESSIONID=abc123; Path=/; HttpOnly',
      `Authorization=${token}; Max-Age=1800; Path=/; HttpOnly`
    ])
    res.setHeader('Authorization', token)
    json(res, 200, AUTH_OK_BODY)
  }
}

function counterTokens(prefix = 'token'): { issue: () => string; count: () => number } {
  let n = 0
  return { issue: () => `${prefix}-${++n}`, count: () => n }
}

const T0 = Date.UTC(2025, 3, 17, 7, 30, 0)
/** Generous: these tests are about what is sent and how answers are read, not about timeouts,
 * and a loaded CI machine can be slow. */
const CALL_TIMEOUT_MS = 20_000

// ---------------------------------------------------------------- http exchange

describe('exchange', () => {
  let server: TestServer
  before(async () => {
    server = await startServer(() => undefined)
  })
  after(() => server.close())

  it('parses JSON, keeps text, treats an empty body as undefined and captures Retry-After', async () => {
    server.handle((_r, res) => json(res, 503, { errors: [] }, { 'Retry-After': '7' }))
    const a = await exchange(server.url, { timeoutMs: CALL_TIMEOUT_MS })
    assert.equal(a.status, 503)
    assert.deepEqual(a.body, { errors: [] })
    assert.equal(a.retryAfter, '7')
    assert.ok(a.headers instanceof Headers)

    server.handle((_r, res) => {
      res.writeHead(202, { 'Content-Type': 'application/x-www-form-urlencoded' })
      res.end('hub.mode=accepted')
    })
    const b = await exchange(server.url, { timeoutMs: CALL_TIMEOUT_MS })
    assert.equal(b.body, 'hub.mode=accepted')
    assert.equal(b.retryAfter, null)

    server.handle((_r, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end('{not json')
    })
    assert.equal((await exchange(server.url, { timeoutMs: CALL_TIMEOUT_MS })).body, '{not json')

    server.handle((_r, res) => {
      res.writeHead(202)
      res.end()
    })
    const d = await exchange(server.url, { timeoutMs: CALL_TIMEOUT_MS })
    assert.equal(d.status, 202)
    assert.equal(d.body, undefined)
  })

  it('returns { error } instead of throwing when the connection is refused', async () => {
    const result = await exchange(`http://127.0.0.1:${await closedPort()}/x`, {
      timeoutMs: CALL_TIMEOUT_MS
    })
    assert.equal(result.status, undefined)
    assert.ok(result.error)
  })

  it('returns { error } when the answer does not come in time', async () => {
    server.handle(() => undefined) // never answers
    const started = Date.now()
    const result = await exchange(server.url, { timeoutMs: 150 })
    assert.equal(result.status, undefined)
    assert.equal((result.error as Error).name, 'TimeoutError')
    assert.ok(Date.now() - started < 5000)
  })

  it('returns { error } when the caller aborts', async () => {
    server.handle(() => undefined)
    const controller = new AbortController()
    const pending = exchange(server.url, { timeoutMs: 10_000, signal: controller.signal })
    controller.abort()
    const result = await pending
    assert.equal(result.status, undefined)
    assert.ok(result.error)
  })
})

// ---------------------------------------------------------------- auth token

describe('MosipTokenSource', () => {
  let auth: TestServer
  before(async () => {
    auth = await startServer(() => undefined)
  })
  after(() => auth.close())
  afterEach(() => {
    auth.received.length = 0
  })

  function source(options: Partial<ConstructorParameters<typeof MosipTokenSource>[0]> = {}) {
    return new MosipTokenSource({
      authUrl: `${auth.url}/v1/authmanager/authenticate/clientidsecretkey`,
      clientId: 'mosip-crvs1-client',
      secretKey: 's3cr3t-key',
      appId: 'ida',
      timeoutMs: CALL_TIMEOUT_MS,
      ...options
    })
  }

  it('logs in with the exact reference body and reads the Authorization cookie', async () => {
    const token = jwt({ sub: 'service-account-x', iat: T0 / 1000, exp: T0 / 1000 + 3600 })
    auth.handle((_r, res) => {
      res.setHeader('Set-Cookie', [
        'JSESSIONID=abc123; Path=/; HttpOnly',
        `Authorization=${token}; Max-Age=1800; Path=/; HttpOnly; Secure`
      ])
      json(res, 200, AUTH_OK_BODY)
    })
    const outcome = await source({ clock: () => T0 }).token()
    assert.deepEqual(outcome, { kind: 'ok', value: token })

    assert.equal(auth.received.length, 1)
    const request = auth.received[0]!
    assert.equal(request.method, 'POST')
    assert.equal(request.path, '/v1/authmanager/authenticate/clientidsecretkey')
    assert.equal(request.headers['content-type'], 'application/json')
    assert.deepEqual(JSON.parse(request.body), {
      id: 'string',
      version: 'string',
      requesttime: '2025-04-17T07:30:00.000Z',
      metadata: {},
      request: { clientId: 'mosip-crvs1-client', secretKey: 's3cr3t-key', appId: 'ida' }
    })
  })

  it('falls back to the Authorization response header when there is no cookie', async () => {
    auth.handle((_r, res) => json(res, 200, AUTH_OK_BODY, { Authorization: 'header-token' }))
    assert.deepEqual(await source().token(), { kind: 'ok', value: 'header-token' })
  })

  it('parses cookies one by one (quotes, other cookies, empty values, case of the name)', () => {
    const headers = (cookies: string[], authorization?: string) => {
      const h = new Headers()
      for (const cookie of cookies) h.append('Set-Cookie', cookie)
      if (authorization) h.set('Authorization', authorization)
      return h
    }
    assert.equal(extractAuthToken(headers(['a=b; Path=/', 'Authorization=t.k.n; Path=/'])), 't.k.n')
    assert.equal(extractAuthToken(headers(['Authorization="quoted"; Path=/'])), 'quoted')
    assert.equal(extractAuthToken(headers(['authorization=lower; HttpOnly'])), 'lower')
    assert.equal(
      extractAuthToken(headers(['Authorization=; Max-Age=0', 'Other=x'], 'from-header')),
      'from-header'
    )
    assert.equal(extractAuthToken(headers(['AuthorizationX=nope'], 'Bearer abc')), 'abc')
    assert.equal(extractAuthToken(headers(['Authorization=a;b'])), 'a')
    assert.equal(extractAuthToken(headers([])), undefined)
    assert.equal(extractAuthToken(headers([], 'has space')), undefined)
  })

  it('decodes JWT claims without verifying, and ignores what is not a JWT', () => {
    assert.deepEqual(decodeJwtClaims(jwt({ exp: 5 })), { exp: 5 })
    assert.equal(decodeJwtClaims('some-token'), undefined)
    assert.equal(decodeJwtClaims('a.b.c'), undefined)
  })

  it('computes the refresh time from exp (and iat when present)', () => {
    const s = T0 / 1000
    const margin = 60_000
    assert.equal(tokenRefreshAt(jwt({ iat: s, exp: s + 300 }), T0, margin, 5000), T0 + 240_000)
    assert.equal(tokenRefreshAt(jwt({ exp: s + 300 }), T0, margin, 5000), T0 + 240_000)
    // MOSIP's clock 1 h ahead of ours: the lifetime still counts from now.
    assert.equal(
      tokenRefreshAt(jwt({ iat: s + 3600, exp: s + 3900 }), T0, margin, 5000),
      T0 + 240_000
    )
    assert.equal(tokenRefreshAt(jwt({ iat: s, exp: s + 40 }), T0, margin, 5000), T0 + 20_000)
    assert.equal(tokenRefreshAt(jwt({ exp: s - 10 }), T0, margin, 5000), T0)
    assert.equal(tokenRefreshAt('some-token', T0, margin, 5000), T0 + 5000)
  })

  it('reuses the token until exp minus the margin, then logs in again', async () => {
    let now = T0
    let n = 0
    auth.handle(
      authManager(() =>
        jwt({ jti: ++n, iat: Math.floor(now / 1000), exp: Math.floor(now / 1000) + 300 })
      )
    )
    const tokens = source({ clock: () => now, refreshMarginMs: 60_000 })
    const first = await tokens.token()
    assert.equal(tokens.logins, 1)
    now = T0 + 239_999
    assert.deepEqual(await tokens.token(), first)
    assert.equal(tokens.logins, 1)
    now = T0 + 240_000
    const second = await tokens.token()
    assert.equal(tokens.logins, 2)
    assert.notDeepEqual(second, first)
    assert.equal(auth.received.length, 2)
  })

  it('caches a token without exp for the short fallback time', async () => {
    let now = T0
    auth.handle(authManager(() => 'some-token'))
    const tokens = source({ clock: () => now, fallbackTtlMs: 60_000 })
    await tokens.token()
    now += 59_999
    await tokens.token()
    assert.equal(tokens.logins, 1)
    now += 1
    await tokens.token()
    assert.equal(tokens.logins, 2)
  })

  it('single-flights: 200 concurrent token() calls make one login', async () => {
    const issued = counterTokens()
    auth.handle((request, res) => {
      // Answer on the next turn, when every caller is already waiting.
      setImmediate(() => authManager(issued.issue)(request, res))
    })
    const tokens = source()
    const outcomes = await Promise.all(Array.from({ length: 200 }, () => tokens.token()))
    assert.equal(auth.received.length, 1)
    assert.equal(tokens.logins, 1)
    assert.ok(outcomes.every((o) => o.kind === 'ok' && o.value === 'token-1'))
  })

  it('invalidate by 50 holders of the same token leads to exactly one new login', async () => {
    const issued = counterTokens()
    auth.handle(authManager(issued.issue))
    const tokens = source()
    const held = await Promise.all(Array.from({ length: 50 }, () => tokens.token()))
    const after = await Promise.all(
      held.map(async (outcome) => {
        assert.equal(outcome.kind, 'ok')
        if (outcome.kind === 'ok') tokens.invalidate(outcome.value)
        return tokens.token()
      })
    )
    assert.equal(tokens.logins, 2)
    assert.ok(after.every((o) => o.kind === 'ok' && o.value === 'token-2'))
    // A late invalidate of the old token does not drop the new one.
    tokens.invalidate('token-1')
    assert.deepEqual(await tokens.token(), { kind: 'ok', value: 'token-2' })
    assert.equal(tokens.logins, 2)
  })

  it('classifies refused logins as MOSIP_LOGIN_REFUSED retries, without secrets in the reason', async () => {
    const cases: Array<[string, Handler]> = [
      [
        'HTTP 401 with KER-ATH-401',
        (_r, res) =>
          json(res, 401, {
            errors: [{ errorCode: 'KER-ATH-401', message: 'Authentication Failed' }]
          })
      ],
      [
        'HTTP 200 with errors[]',
        (_r, res) =>
          json(res, 200, {
            response: null,
            errors: [{ errorCode: 'KER-ATH-008', message: 'invalid client secret' }]
          })
      ],
      ['HTTP 200 without a token', (_r, res) => json(res, 200, AUTH_OK_BODY)],
      ['HTTP 400', (_r, res) => json(res, 400, { errors: [{ errorCode: 'KER-ATH-002' }] })]
    ]
    for (const [name, handler] of cases) {
      auth.handle(handler)
      const tokens = source()
      const outcome = await tokens.token()
      assert.equal(outcome.kind, 'retry', name)
      if (outcome.kind !== 'retry') continue
      assert.equal(outcome.code, 'MOSIP_LOGIN_REFUSED', name)
      assert.match(outcome.reason, /mosip-crvs1-client/, name)
      assert.doesNotMatch(outcome.reason, /s3cr3t-key/, name)
      // Failures are not cached: the next call logs in again.
      await tokens.token()
      assert.equal(tokens.logins, 2, name)
    }
  })

  it('keeps transport codes for unreachable and failing auth managers', async () => {
    auth.handle((_r, res) => json(res, 503, { error: 'down' }, { 'Retry-After': '3' }))
    const outcome = await source().token()
    assert.equal(outcome.kind, 'retry')
    if (outcome.kind === 'retry') {
      assert.equal(outcome.code, 'MOSIP_HTTP_503')
      assert.equal(outcome.afterMs, 3000)
    }
    const down = new MosipTokenSource({
      authUrl: `http://127.0.0.1:${await closedPort()}/auth`,
      clientId: 'c',
      secretKey: 's',
      appId: 'admin',
      timeoutMs: CALL_TIMEOUT_MS
    })
    const unreachable = await down.token()
    assert.equal(unreachable.kind, 'retry')
    if (unreachable.kind === 'retry') assert.equal(unreachable.code, 'MOSIP_UNREACHABLE')
  })

  it('accepts a 2xx with a token but no response object, as the reference does', async () => {
    auth.handle((_r, res) => {
      res.setHeader('Set-Cookie', 'Authorization=bare-token; Path=/')
      res.writeHead(200)
      res.end()
    })
    assert.deepEqual(await source().token(), { kind: 'ok', value: 'bare-token' })
  })
})

// ---------------------------------------------------------------- packet manager and workflow

describe('MosipPacketClient', () => {
  let mosip: TestServer
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
    mosip = await startServer(() => undefined)
  })
  afterEach(() => mosip.close())

  function setUp(): MosipPacketClient {
    issued = counterTokens()
    accepted = () => true
    packetAnswer = (res) =>
      json(res, 200, {
        id: 'mosip.registration.packet.writer',
        version: 'v1',
        responsetime: '2025-04-17T07:30:01.204Z',
        metadata: null,
        response: packetInfos('100014728301957'),
        errors: []
      })
    workflowAnswer = (res) =>
      json(res, 200, {
        id: 'mosip.registration.processor.workflow.instance',
        version: 'v1',
        responsetime: '2025-04-17T07:30:02.345Z',
        response: { workflowInstanceId: 'dd9f218b-279c-4d93-8cda-9857976293ea' },
        errors: null
      })
    mosip.handle((request, res) => {
      if (request.path.startsWith('/v1/authmanager')) return authManager(issued.issue)(request, res)
      if (!accepted(cookieToken(request.headers))) {
        return json(res, 401, {
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
      json(res, 200, {
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
      json(res, 200, {
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
      packetAnswer = (res) => json(res, 200, { response, errors: [] })
      const outcome = await packets.createPacket(packetRequest)
      assert.equal(outcome.kind, 'retry')
      if (outcome.kind === 'retry') assert.equal(outcome.code, 'MOSIP_EMPTY_RESPONSE')
    }
  })

  it('retries 5xx (honouring Retry-After) and unreachable MOSIP', async () => {
    const packets = setUp()
    packetAnswer = (res) => json(res, 503, { message: 'busy' }, { 'Retry-After': '7' })
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
        ? json(res, 401, {
            errors: [{ errorCode: 'KER-ATH-401', message: 'Authentication Failed' }]
          })
        : json(res, 500, {})
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
      json(res, 200, {
        response: null,
        errors: [{ errorCode: 'RPR-WIS-001', message: 'WorkflowInstance already present' }]
      })
    assert.deepEqual(await packets.startWorkflow(request), {
      kind: 'ok',
      value: { alreadyStarted: true }
    })

    workflowAnswer = (res) =>
      json(res, 200, {
        response: null,
        errors: [{ errorCode: 'RPR-WIS-000', message: 'Unknown Exception' }]
      })
    const unknown = await packets.startWorkflow(request)
    assert.equal(unknown.kind, 'retry')
    if (unknown.kind === 'retry') assert.equal(unknown.code, 'RPR-WIS-000')

    workflowAnswer = (res) =>
      json(res, 200, {
        response: null,
        errors: [{ errorCode: 'RPR-WIN-001', message: 'Invalid Request Value - id' }]
      })
    assert.equal((await packets.startWorkflow(request)).kind, 'permanent')
  })
})

// ---------------------------------------------------------------- WebSub subscriber

describe('WebsubSubscriber', () => {
  const SECRET = 'hub-secret-value'
  let auth: TestServer
  let issued: ReturnType<typeof counterTokens>
  const subscribers: WebsubSubscriber[] = []
  const logLines: string[] = []
  const logger = pino(
    { level: 'debug' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString())
        done()
      }
    })
  )

  before(async () => {
    auth = await startServer(() => undefined)
  })
  after(() => auth.close())
  afterEach(() => {
    for (const subscriber of subscribers.splice(0)) subscriber.stop()
  })

  function subscriber(
    hubUrl: string,
    overrides: Partial<ConstructorParameters<typeof WebsubSubscriber>[0]> = {}
  ): WebsubSubscriber {
    issued = counterTokens('websub-token')
    auth.received.length = 0
    auth.handle(authManager(issued.issue))
    const created = new WebsubSubscriber({
      hubUrl,
      topic: 'crvs_partner/CREDENTIAL_ISSUED',
      callbackUrl: 'https://bridge.example.org/websub/callback',
      secret: SECRET,
      tokens: new MosipTokenSource({
        authUrl: `${auth.url}/v1/authmanager/authenticate/clientidsecretkey`,
        clientId: 'crvs_partner',
        secretKey: 'websub-client-secret',
        appId: 'admin',
        timeoutMs: CALL_TIMEOUT_MS
      }),
      intervalMs: 60_000,
      retryDelayMs: 20,
      maxRetryDelayMs: 80,
      timeoutMs: CALL_TIMEOUT_MS,
      logger,
      ...overrides
    })
    subscribers.push(created)
    return created
  }

  const accept: Handler = (_r, res) => {
    res.writeHead(202)
    res.end()
  }

  it('posts the reference form with cookie and raw Authorization headers; 202 is success', async () => {
    const hub = await startServer(accept)
    try {
      let notified = 0
      const websub = subscriber(`${hub.url}/hub`, { onSubscribed: () => notified++ })
      assert.deepEqual(await websub.subscribeNow(), { kind: 'ok', value: undefined })
      const [call] = hub.received
      assert.ok(call)
      assert.equal(call.method, 'POST')
      assert.equal(call.path, '/hub')
      assert.equal(call.headers['content-type'], 'application/x-www-form-urlencoded')
      assert.equal(call.headers.cookie, 'Authorization=websub-token-1')
      assert.equal(call.headers.authorization, 'websub-token-1')
      assert.equal(
        call.body,
        'hub.mode=subscribe&hub.topic=crvs_partner%2FCREDENTIAL_ISSUED' +
          '&hub.callback=https%3A%2F%2Fbridge.example.org%2Fwebsub%2Fcallback' +
          `&hub.secret=${SECRET}`
      )
      assert.deepEqual(
        [...new URLSearchParams(call.body).entries()],
        [
          ['hub.mode', 'subscribe'],
          ['hub.topic', 'crvs_partner/CREDENTIAL_ISSUED'],
          ['hub.callback', 'https://bridge.example.org/websub/callback'],
          ['hub.secret', SECRET]
        ]
      )
      assert.equal(notified, 1)
      const status = websub.status()
      assert.ok(status.lastAttemptAt && status.lastSuccessAt)
      assert.equal(status.lastError, null)
      assert.equal(status.running, false)
    } finally {
      await hub.close()
    }
  })

  it('reports a hub denial with its reason and logs in afresh for the next attempt', async () => {
    const hub = await startServer((_r, res) => {
      res.writeHead(500, { 'Content-Type': 'application/x-www-form-urlencoded' })
      res.end('hub.mode=denied&hub.reason=Subscriber is not authorized')
    })
    try {
      const websub = subscriber(`${hub.url}/hub`)
      const outcome = await websub.subscribeNow()
      assert.equal(outcome.kind, 'retry')
      if (outcome.kind === 'retry') {
        assert.equal(outcome.code, 'MOSIP_HUB_DENIED')
        assert.match(outcome.reason, /Subscriber is not authorized/)
      }
      assert.equal(websub.status().lastError?.code, 'MOSIP_HUB_DENIED')
      assert.equal(websub.status().consecutiveFailures, 1)
      await websub.subscribeNow()
      assert.equal(issued.count(), 2)
      assert.deepEqual(
        hub.received.map((r) => r.headers.cookie),
        ['Authorization=websub-token-1', 'Authorization=websub-token-2']
      )
    } finally {
      await hub.close()
    }
  })

  it('re-logs in once and retries when the hub answers 401', async () => {
    const hub = await startServer((request, res) => {
      if (request.headers.cookie === 'Authorization=websub-token-1') {
        res.writeHead(401)
        res.end()
      } else accept(request, res)
    })
    try {
      const websub = subscriber(`${hub.url}/hub`)
      assert.equal((await websub.subscribeNow()).kind, 'ok')
      assert.equal(hub.received.length, 2)
      assert.equal(issued.count(), 2)
    } finally {
      await hub.close()
    }
  })

  it('keeps retrying while the hub refuses connections, and subscribes once it is up', async () => {
    const port = await closedPort()
    let notified = 0
    const websub = subscriber(`http://127.0.0.1:${port}/hub`, { onSubscribed: () => notified++ })
    websub.start()
    websub.start() // idempotent
    await waitFor('three failed attempts', () => websub.status().consecutiveFailures >= 3)
    assert.equal(websub.status().lastError?.code, 'MOSIP_UNREACHABLE')
    assert.equal(websub.status().lastSuccessAt, null)
    assert.equal(websub.status().running, true)

    const hub = await startServer(accept, port)
    try {
      await waitFor('a subscription', () => websub.status().lastSuccessAt)
      assert.equal(notified, 1)
      assert.equal(websub.status().lastError, null)
      assert.equal(websub.status().consecutiveFailures, 0)
      assert.ok(hub.received.length >= 1)
      // The token was fetched once and reused for every attempt.
      assert.equal(issued.count(), 1)
    } finally {
      websub.stop()
      await hub.close()
    }
  })

  it('keeps retrying while the auth manager is down, without throwing', async () => {
    const hub = await startServer(accept)
    try {
      const websub = subscriber(`${hub.url}/hub`)
      auth.handle((_r, res) => json(res, 503, {}))
      websub.start()
      await waitFor('two failed logins', () => websub.status().consecutiveFailures >= 2)
      assert.equal(websub.status().lastError?.code, 'MOSIP_HTTP_503')
      assert.equal(hub.received.length, 0)
      auth.handle(authManager(issued.issue))
      await waitFor('a subscription', () => websub.status().lastSuccessAt)
      assert.equal(hub.received.length, 1)
    } finally {
      await hub.close()
    }
  })

  it('re-subscribes every interval, and stop() ends it', async () => {
    const hub = await startServer(accept)
    try {
      let notified = 0
      const websub = subscriber(`${hub.url}/hub`, {
        intervalMs: 30,
        onSubscribed: () => notified++
      })
      websub.start()
      await waitFor('three accepted subscriptions', () => notified >= 3)
      assert.ok(hub.received.length >= 3)
      assert.ok(hub.received.every((r) => r.body.startsWith('hub.mode=subscribe&')))
      // Tokens are cached between renewals: one login for all of them.
      assert.equal(issued.count(), 1)

      websub.stop()
      const status = websub.status()
      assert.equal(status.running, false)
      assert.equal(status.nextAttemptAt, null)
      const count = hub.received.length
      // Absence can only be observed over time: ten intervals without a request.
      await new Promise((resolve) => setTimeout(resolve, 300))
      assert.equal(hub.received.length, count)
    } finally {
      await hub.close()
    }
  })

  it('stop() aborts an attempt under way and records nothing for it', async () => {
    let connectionClosed = false
    const hub = await startServer((_r, res) => {
      res.on('close', () => {
        connectionClosed = true
      })
    })
    try {
      const websub = subscriber(`${hub.url}/hub`)
      websub.start()
      await waitFor('the hub to receive the request', () => hub.received.length === 1)
      websub.stop()
      await waitFor('the aborted request to close its connection', () => connectionClosed)
      const status = websub.status()
      assert.equal(status.running, false)
      assert.equal(status.lastSuccessAt, null)
      assert.equal(status.lastError, null)
      assert.equal(status.nextAttemptAt, null)
      assert.equal(hub.received.length, 1)
    } finally {
      await hub.close()
    }
  })

  it('survives an onSubscribed callback that throws', async () => {
    const hub = await startServer(accept)
    try {
      const websub = subscriber(`${hub.url}/hub`, {
        intervalMs: 30,
        onSubscribed: () => {
          throw new Error('listener bug')
        }
      })
      websub.start()
      await waitFor('two subscriptions', () => hub.received.length >= 2)
    } finally {
      await hub.close()
    }
  })

  it('unsubscribes with hub.mode=unsubscribe and no secret', async () => {
    const hub = await startServer(accept)
    try {
      const websub = subscriber(`${hub.url}/hub`)
      assert.equal((await websub.unsubscribeNow()).kind, 'ok')
      assert.deepEqual(
        [...new URLSearchParams(hub.received[0]!.body).entries()],
        [
          ['hub.mode', 'unsubscribe'],
          ['hub.topic', 'crvs_partner/CREDENTIAL_ISSUED'],
          ['hub.callback', 'https://bridge.example.org/websub/callback']
        ]
      )
      assert.equal(websub.status().lastAttemptAt, null)
    } finally {
      await hub.close()
    }
  })

  it('never logs the token, the hub secret or the client secret', () => {
    const text = logLines.join('')
    assert.ok(text.includes('websub.subscribe'), 'the tests above produced log lines')
    for (const secret of [SECRET, 'websub-client-secret', 'websub-token-1', 'websub-token-2']) {
      assert.equal(text.includes(secret), false, `log contains ${secret}`)
    }
  })

  it('classifies hub answers through the MOSIP classifier', () => {
    assert.deepEqual(classifyHubAnswer({ status: 202 }, T0), { kind: 'ok', value: undefined })
    assert.deepEqual(classifyHubAnswer({ status: 200, body: 'hub.mode=accepted' }, T0), {
      kind: 'ok',
      value: undefined
    })
    const down = classifyHubAnswer({ status: 503 }, T0)
    assert.equal(down.kind === 'retry' && down.code, 'MOSIP_HTTP_503')
    const unauthorized = classifyHubAnswer({ status: 403 }, T0)
    assert.equal(unauthorized.kind === 'retry' && unauthorized.code, 'MOSIP_AUTH_REJECTED')
    const denied = classifyHubAnswer(
      { status: 500, body: 'hub.mode=denied&hub.reason=Authorization token cannot be found' },
      T0
    )
    assert.equal(denied.kind, 'retry')
    assert.equal(denied.kind === 'retry' && denied.code, 'MOSIP_HUB_DENIED')
  })
})

// ---------------------------------------------------------------- default ID schema

describe('default ID schema', () => {
  const schema = JSON.parse(DEFAULT_ID_SCHEMA_JSON) as {
    $schema: string
    definitions: Record<string, unknown>
    properties: {
      identity: {
        required: string[]
        properties: Record<
          string,
          {
            $ref?: string
            type?: string
            fieldCategory?: string
            validators?: Array<{ validator: string }>
          }
        >
      }
    }
  }
  const fields = schema.properties.identity.properties

  it('is a draft-07 schema string with identity properties and the MOSIP definitions', () => {
    assert.equal(typeof DEFAULT_ID_SCHEMA_JSON, 'string')
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#')
    assert.deepEqual(Object.keys(schema.definitions).sort(), [
      'biometricsType',
      'documentType',
      'simpleType'
    ])
    assert.deepEqual(schema.properties.identity.required, ['IDSchemaVersion'])
  })

  it('defines every field the bridge and the reference client send', () => {
    for (const name of [
      'IDSchemaVersion',
      'fullName',
      'dateOfBirth',
      'gender',
      'addressLine1',
      'addressLine2',
      'addressLine3',
      'email',
      'phone',
      'birthCertificateNumber',
      'nationalIdNumber',
      'dateOfDeath',
      'deathDeclared',
      'deceasedStatus',
      'UIN',
      'VID',
      'vid',
      'guardianOrParentName',
      'guardianOrParentBirthCertificateNumber',
      'introducerInfoToken',
      'introducerName',
      'selectedHandles'
    ]) {
      assert.ok(fields[name], `missing ${name}`)
    }
    assert.equal(fields.deathCertificateNumber, undefined)
  })

  it('gives every field a $ref or a type, and a category', () => {
    for (const [name, field] of Object.entries(fields)) {
      assert.ok(field.$ref !== undefined || field.type !== undefined, name)
      assert.ok(field.fieldCategory, name)
      if (field.$ref) assert.ok(schema.definitions[field.$ref.replace('#/definitions/', '')], name)
    }
    assert.equal(fields.fullName?.$ref, '#/definitions/simpleType')
    assert.equal(fields.gender?.$ref, '#/definitions/simpleType')
  })

  it('validates dates as YYYY/MM/DD', () => {
    const pattern = new RegExp(MOSIP_DATE_PATTERN)
    for (const name of ['dateOfBirth', 'dateOfDeath']) {
      assert.equal(fields[name]?.validators?.[0]?.validator, MOSIP_DATE_PATTERN, name)
    }
    for (const good of ['2025/03/14', '1901/12/31', '2000/02/29'])
      assert.ok(pattern.test(good), good)
    for (const bad of [
      '2025-03-14',
      '14/03/2025',
      '2025/13/01',
      '2025/00/10',
      '2025/01/32',
      '25/01/01'
    ]) {
      assert.equal(pattern.test(bad), false, bad)
    }
  })
})
