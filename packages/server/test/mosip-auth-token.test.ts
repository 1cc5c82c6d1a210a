/** The MOSIP auth manager login (`MosipTokenSource`) against a recording server. */
import { describe, it, before, after, afterEach } from 'node:test'
import assert from 'node:assert/strict'
import {
  closedPort,
  sendJson,
  startRecordingServer,
  type RecordingServer,
  type Responder
} from '@mosip-bridge/test-support'
import {
  MosipTokenSource,
  decodeJwtClaims,
  extractAuthToken,
  tokenRefreshAt
} from '../src/integrations/mosip/auth-token.js'
import {
  AUTH_OK_BODY,
  CALL_TIMEOUT_MS,
  T0,
  authManager,
  counterTokens,
  jwt
} from './helpers/mosip-auth-manager.js'

describe('MosipTokenSource', () => {
  let auth: RecordingServer
  before(async () => {
    auth = await startRecordingServer(() => undefined)
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
      sendJson(res, 200, AUTH_OK_BODY)
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
    auth.handle((_r, res) => sendJson(res, 200, AUTH_OK_BODY, { Authorization: 'header-token' }))
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
    const cases: Array<[string, Responder]> = [
      [
        'HTTP 401 with KER-ATH-401',
        (_r, res) =>
          sendJson(res, 401, {
            errors: [{ errorCode: 'KER-ATH-401', message: 'Authentication Failed' }]
          })
      ],
      [
        'HTTP 200 with errors[]',
        (_r, res) =>
          sendJson(res, 200, {
            response: null,
            errors: [{ errorCode: 'KER-ATH-008', message: 'invalid client secret' }]
          })
      ],
      ['HTTP 200 without a token', (_r, res) => sendJson(res, 200, AUTH_OK_BODY)],
      ['HTTP 400', (_r, res) => sendJson(res, 400, { errors: [{ errorCode: 'KER-ATH-002' }] })]
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
    auth.handle((_r, res) => sendJson(res, 503, { error: 'down' }, { 'Retry-After': '3' }))
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
