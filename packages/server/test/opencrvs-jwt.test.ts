import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { SignJWT, base64url, exportSPKI, generateKeyPair, type CryptoKey } from 'jose'
import { startRecordingServer, type RecordingServer } from '@mosip-bridge/test-support'
import { OpencrvsPublicKey } from '../src/integrations/opencrvs/public-key.js'
import { OpencrvsJwtVerifier } from '../src/integrations/opencrvs/jwt-verifier.js'
import { hasScope, parseScope, scopesFromClaim } from '../src/integrations/opencrvs/scopes.js'
import { decodeExpiry } from '../src/integrations/opencrvs/token-expiry.js'

interface KeyPair {
  privateKey: CryptoKey
  pem: string
}

async function newKeyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  return { privateKey, pem: await exportSPKI(publicKey) }
}

const EVENT_ID = '3f0b7a5e-1d2c-4b8e-9a47-2f6d9c1e8b10'
const ACTION_ID = 'b6c1f0d2-8e4a-4f3b-a9c7-0d5e2f1a6b34'
const V2_AUDIENCES = [
  'opencrvs:gateway-user',
  'opencrvs:events-user',
  'opencrvs:user-mgnt-user',
  'opencrvs:auth-user',
  'opencrvs:countryconfig-user',
  'opencrvs:documents-user'
]

async function actionToken(
  key: KeyPair,
  overrides: {
    issuer?: string
    audience?: string | string[]
    expiresAt?: number
    claims?: Record<string, unknown>
  } = {}
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({
    scope: ['type=record.confirm-registration', 'type=record.reject-registration'],
    eventId: EVENT_ID,
    actionId: ACTION_ID,
    userType: 'user',
    ...overrides.claims
  })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(overrides.issuer ?? 'opencrvs:auth-service')
    .setAudience(overrides.audience ?? V2_AUDIENCES)
    .setSubject('68f0c2e1a4b5c6d7e8f90123')
    .setIssuedAt(now)
    .setExpirationTime(overrides.expiresAt ?? now + 3600)
    .sign(key.privateKey)
}

/** The /.well-known endpoint of a fake OpenCRVS auth service, answering what `respond` says. */
class KeyServer {
  respond: () => { status: number; body: string } = () => ({ status: 200, body: '' })
  hang = false
  private server: RecordingServer | undefined
  url = ''

  async start(): Promise<void> {
    this.server = await startRecordingServer((_request, response) => {
      if (this.hang) return
      const { status, body } = this.respond()
      // OpenCRVS returns the PEM file's bytes, so hapi labels it application/octet-stream.
      response.writeHead(status, { 'content-type': 'application/octet-stream' })
      response.end(body)
    })
    this.url = `${this.server.url}/.well-known`
  }

  serve(pem: string): void {
    this.respond = () => ({ status: 200, body: pem })
  }

  async stop(): Promise<void> {
    await this.server?.close()
  }
}

describe('OpenCRVS JWT verification', () => {
  const keyServer = new KeyServer()
  let keyA: KeyPair
  let keyB: KeyPair
  let keyC: KeyPair

  before(async () => {
    ;[keyA, keyB, keyC] = await Promise.all([newKeyPair(), newKeyPair(), newKeyPair()])
    await keyServer.start()
  })
  after(() => keyServer.stop())

  function fixture(options: { clock?: () => number } = {}) {
    keyServer.serve(keyA.pem)
    const publicKey = new OpencrvsPublicKey({
      url: keyServer.url,
      timeoutMs: 2000,
      ...(options.clock ? { clock: options.clock } : {})
    })
    const verifier = new OpencrvsJwtVerifier({ publicKey })
    return { publicKey, verifier }
  }

  it('accepts a valid action token and returns its claims', async () => {
    const { verifier } = fixture()
    const token = await actionToken(keyA)
    const result = await verifier.verify(`Bearer ${token}`)
    assert.ok(result.ok, JSON.stringify(result))
    assert.equal(result.claims.sub, '68f0c2e1a4b5c6d7e8f90123')
    assert.deepEqual(result.claims.scope, [
      'type=record.confirm-registration',
      'type=record.reject-registration'
    ])
    assert.equal(result.claims.eventId, EVENT_ID)
    assert.equal(result.claims.actionId, ACTION_ID)
    assert.equal(result.claims.userType, 'user')
    assert.equal(result.claims.token, token)
    assert.equal(typeof result.claims.exp, 'number')
    assert.equal(decodeExpiry(token), result.claims.exp * 1000)
  })

  it('accepts a token carrying any one of the configured audiences', async () => {
    const { publicKey } = fixture()
    const verifier = new OpencrvsJwtVerifier({
      publicKey,
      audiences: ['opencrvs:mosip-user', 'opencrvs:countryconfig-user']
    })
    const single = await actionToken(keyA, { audience: 'opencrvs:countryconfig-user' })
    assert.equal((await verifier.verify(`bearer ${single}`)).ok, true)
    const other = await actionToken(keyA, { audience: 'opencrvs:mosip-user' })
    assert.equal((await verifier.verify(`Bearer ${other}`)).ok, true)
  })

  it('refuses wrong issuer, wrong audience, expiry, alg none and HS256 with 401 reasons', async () => {
    const { verifier } = fixture()
    const now = Math.floor(Date.now() / 1000)
    const cases: Array<[string, string | undefined, string]> = [
      ['no header', undefined, 'missing bearer token'],
      ['not bearer', 'Basic dXNlcjpwYXNz', 'missing bearer token'],
      ['garbage', 'Bearer not.a.jwt', 'malformed token'],
      [
        'wrong issuer',
        `Bearer ${await actionToken(keyA, { issuer: 'someone-else' })}`,
        'unexpected issuer'
      ],
      [
        'gateway-only audience',
        `Bearer ${await actionToken(keyA, { audience: 'opencrvs:gateway-user' })}`,
        'unexpected audience'
      ],
      ['expired', `Bearer ${await actionToken(keyA, { expiresAt: now - 120 })}`, 'token expired']
    ]
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))
    const payload = base64url.encode(
      JSON.stringify({
        iss: 'opencrvs:auth-service',
        aud: V2_AUDIENCES,
        sub: 'x',
        exp: now + 3600,
        eventId: EVENT_ID,
        actionId: ACTION_ID
      })
    )
    cases.push(['alg none', `Bearer ${header}.${payload}.`, 'algorithm not allowed'])
    // Algorithm confusion: HMAC keyed with the public key's PEM text.
    const hs256 = await new SignJWT({ eventId: EVENT_ID, actionId: ACTION_ID })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('opencrvs:auth-service')
      .setAudience(V2_AUDIENCES)
      .setSubject('x')
      .setExpirationTime(now + 3600)
      .sign(new TextEncoder().encode(keyA.pem))
    cases.push(['HS256', `Bearer ${hs256}`, 'algorithm not allowed'])
    cases.push(['signed by another key', `Bearer ${await actionToken(keyB)}`, 'invalid signature'])

    for (const [name, authorization, reason] of cases) {
      const result = await verifier.verify(authorization)
      assert.deepEqual(result, { ok: false, status: 401, reason }, name)
    }
  })

  it('refetches a rotated key once, then rate-limits refreshes to one a minute', async () => {
    let now = 1_000_000
    const { publicKey, verifier } = fixture({ clock: () => now })
    assert.equal((await publicKey.load()).kind, 'ok')
    assert.equal(publicKey.fetchCount, 1)

    keyServer.serve(keyB.pem) // OpenCRVS rotates its key
    const tokenB = await actionToken(keyB)
    const rotated = await verifier.verify(`Bearer ${tokenB}`)
    assert.equal(rotated.ok, true, JSON.stringify(rotated))
    assert.equal(publicKey.fetchCount, 2)
    assert.equal((await verifier.verify(`Bearer ${tokenB}`)).ok, true)
    assert.equal(publicKey.fetchCount, 2, 'a known key needs no fetch')

    // Another unknown key within the minute: refused without fetching again.
    keyServer.serve(keyC.pem)
    const tokenC = await actionToken(keyC)
    const limited = await verifier.verify(`Bearer ${tokenC}`)
    assert.deepEqual(limited, { ok: false, status: 401, reason: 'invalid signature' })
    assert.equal(publicKey.fetchCount, 2)

    now += 60_000
    assert.equal((await verifier.verify(`Bearer ${tokenC}`)).ok, true)
    assert.equal(publicKey.fetchCount, 3)
  })

  it('shares one refresh between concurrent verifications', async () => {
    const { publicKey, verifier } = fixture({ clock: () => 5_000_000 })
    await publicKey.load()
    keyServer.serve(keyB.pem)
    const token = await actionToken(keyB)
    const results = await Promise.all(
      Array.from({ length: 5 }, () => verifier.verify(`Bearer ${token}`))
    )
    assert.ok(results.every((result) => result.ok))
    assert.equal(publicKey.fetchCount, 2)
  })

  it('does not cache the answer of a failing key endpoint, and recovers lazily', async () => {
    const { publicKey, verifier } = fixture()
    keyServer.respond = () => ({ status: 500, body: 'Internal Server Error' })
    const failed = await publicKey.load()
    assert.equal(failed.kind, 'retry')
    assert.equal(failed.kind === 'retry' && failed.code, 'OPENCRVS_AUTH_HTTP_500')
    assert.equal(publicKey.peek(), undefined)

    const token = await actionToken(keyA)
    assert.deepEqual(await verifier.verify(`Bearer ${token}`), {
      ok: false,
      status: 503,
      reason: 'OpenCRVS public key unavailable'
    })

    keyServer.serve(keyA.pem)
    assert.equal((await verifier.verify(`Bearer ${token}`)).ok, true)
    assert.equal(publicKey.peek()?.pem, keyA.pem)
  })

  it('keeps the cached key when a refresh fails or returns something that is not a key', async () => {
    let now = 9_000_000
    const { publicKey } = fixture({ clock: () => now })
    await publicKey.load()
    keyServer.respond = () => ({ status: 500, body: keyB.pem })
    assert.equal(await publicKey.refreshIfStale(), false)
    assert.equal(publicKey.peek()?.pem, keyA.pem)

    now += 60_000
    keyServer.respond = () => ({ status: 200, body: '<html>gateway</html>' })
    assert.equal(await publicKey.refreshIfStale(), false)
    assert.equal(publicKey.peek()?.pem, keyA.pem)
    const invalid = await publicKey.load()
    assert.equal(invalid.kind === 'permanent' && invalid.code, 'OPENCRVS_PUBLIC_KEY_INVALID')

    keyServer.respond = () => ({ status: 404, body: 'Not Found' })
    const refused = await publicKey.load()
    assert.equal(refused.kind === 'permanent' && refused.code, 'OPENCRVS_PUBLIC_KEY_REFUSED')
    assert.equal(publicKey.peek()?.pem, keyA.pem)
  })

  it('never throws when the key cannot be fetched: unreachable and timed-out endpoints', async () => {
    const closed = new OpencrvsPublicKey({ url: 'http://127.0.0.1:1/.well-known', timeoutMs: 2000 })
    const refused = await closed.load()
    assert.equal(refused.kind === 'retry' && refused.code, 'OPENCRVS_AUTH_UNREACHABLE')

    keyServer.hang = true
    try {
      const slow = new OpencrvsPublicKey({ url: keyServer.url, timeoutMs: 100 })
      const timedOut = await slow.load()
      assert.equal(timedOut.kind, 'retry')
      assert.match(timedOut.kind === 'retry' ? timedOut.reason : '', /TIMEOUT/)
    } finally {
      keyServer.hang = false
    }
  })
})

describe('OpenCRVS scopes', () => {
  const v19 = [
    'record.confirm-registration',
    'record.reject-registration',
    'record.read[event=birth|death]',
    'search[event=birth,access=all]'
  ]
  const v20 = [
    'type=record.confirm-registration',
    'type=record.reject-registration',
    'type=record.read&event=birth,death,tennis-club-membership',
    'type=record.reject&event=birth'
  ]

  it('parses the plain, bracket and query-string formats', () => {
    assert.deepEqual(parseScope('record.confirm-registration'), {
      type: 'record.confirm-registration',
      options: {}
    })
    assert.deepEqual(parseScope('record.read[event=birth|death]'), {
      type: 'record.read',
      options: { event: ['birth', 'death'] }
    })
    assert.deepEqual(parseScope('search[event=birth,access=all]'), {
      type: 'search',
      options: { event: ['birth'], access: ['all'] }
    })
    assert.deepEqual(parseScope('type=record.search&event=birth&placeOfEvent=all'), {
      type: 'record.search',
      options: { event: ['birth'], placeOfEvent: ['all'] }
    })
    assert.deepEqual(parseScope('type=record.read&event=birth,death'), {
      type: 'record.read',
      options: { event: ['birth', 'death'] }
    })
    assert.equal(parseScope(''), undefined)
    assert.equal(parseScope('event=birth'), undefined)
  })

  it('matches scopes of both versions', () => {
    for (const scopes of [v19, v20]) {
      assert.equal(hasScope(scopes, 'record.confirm-registration'), true)
      assert.equal(hasScope(scopes, 'record.reject-registration'), true)
      assert.equal(hasScope(scopes, 'record.read'), true)
      assert.equal(hasScope(scopes, 'record.register'), false)
      assert.equal(hasScope(scopes, 'record'), false, 'no prefix matches')
    }
    assert.equal(hasScope(['record.action.accept'], 'record.action.accept'), true)
    assert.equal(
      hasScope(['type=record.action.accept&event=birth,death'], 'record.action.accept'),
      true
    )
  })

  it('honours event restrictions when asked', () => {
    for (const scopes of [v19, v20]) {
      assert.equal(hasScope(scopes, 'record.read', { event: 'birth' }), true)
      assert.equal(hasScope(scopes, 'record.read', { event: 'death' }), true)
      assert.equal(hasScope(scopes, 'record.read', { event: 'marriage' }), false)
      // Unrestricted scopes cover every event type.
      assert.equal(hasScope(scopes, 'record.confirm-registration', { event: 'marriage' }), true)
    }
    assert.equal(hasScope(v20, 'record.reject', { event: 'death' }), false)
    assert.equal(hasScope(['record.read'], 'record.read', { event: 'death' }), true)
  })

  it('reads the scope claim as an array or a space-separated string', () => {
    assert.deepEqual(scopesFromClaim(['a', 1, 'b']), ['a', 'b'])
    assert.deepEqual(scopesFromClaim('a  b'), ['a', 'b'])
    assert.deepEqual(scopesFromClaim(undefined), [])
  })
})
