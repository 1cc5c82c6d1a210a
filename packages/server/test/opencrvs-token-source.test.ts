import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import { SignJWT } from 'jose'
import {
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer
} from '@mosip-bridge/test-support'
import {
  ExchangedTokenSource,
  StoredActionTokenSource,
  SystemClientTokenSource,
  createTokenSource
} from '../src/integrations/opencrvs/token-source.js'
import { OpencrvsAuthClient, tokenUrl } from '../src/integrations/opencrvs/auth.client.js'
import { decodeExpiry } from '../src/integrations/opencrvs/token-expiry.js'
import type { Outcome } from '../src/core/outcome.js'

const secret = new TextEncoder().encode('test-only-signing-secret-of-32-bytes!')

async function jwt(claims: Record<string, unknown>, expiresAtSec?: number): Promise<string> {
  const builder = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('client-1')
  if (expiresAtSec !== undefined) builder.setExpirationTime(expiresAtSec)
  return builder.sign(secret)
}

/** A request to the auth service, read as OAuth parameters (query string and form body). */
interface Recorded {
  method: string
  path: string
  query: Record<string, string>
  headers: IncomingHttpHeaders
  form: Record<string, string>
  body: string
}

function oauth(request: RecordedRequest): Recorded {
  return {
    method: request.method,
    path: request.path,
    query: Object.fromEntries(request.query),
    headers: request.headers,
    form: Object.fromEntries(new URLSearchParams(request.body)),
    body: request.body
  }
}

/** A fake OpenCRVS auth service `/token` on the shared recording server. */
class FakeAuth {
  reply: (request: Recorded, response: ServerResponse) => void | Promise<void> = () => undefined
  private server: RecordingServer | undefined
  url = ''

  async start(): Promise<void> {
    this.server = await startRecordingServer((request, response) =>
      this.reply(oauth(request), response)
    )
    this.url = this.server.url
  }

  /** Every request received, in arrival order. */
  get requests(): Recorded[] {
    return (this.server?.received ?? []).map(oauth)
  }

  /** Forgets the requests received so far. */
  clear(): void {
    this.server?.received.splice(0)
  }

  grants(): string[] {
    return this.requests.map((request) => request.query.grant_type ?? '?')
  }

  async stop(): Promise<void> {
    await this.server?.close()
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
  response.end(JSON.stringify(body))
}

function expectCode(outcome: Outcome<unknown>, kind: 'retry' | 'permanent', code: string) {
  assert.equal(outcome.kind, kind, JSON.stringify(outcome))
  assert.equal('code' in outcome ? outcome.code : undefined, code)
}

const CLIENT = { clientId: 'mosip-bridge', clientSecret: 's3cr3t&=+ value' }
const EXCHANGE_GRANT = 'urn:opencrvs:oauth:grant-type:token-exchange'

describe('OpenCRVS token sources', () => {
  const auth = new FakeAuth()
  let now = Date.now()
  const clock = () => now
  let systemTokens: string[] = []

  before(() => auth.start())
  after(() => auth.stop())
  beforeEach(() => {
    auth.clear()
    now = Date.now()
    systemTokens = []
    // A well-behaved auth service: system tokens live 600 s, exchanges echo their binding.
    auth.reply = async (request, response) => {
      const params = { ...request.query, ...request.form }
      if (params.grant_type === 'client_credentials') {
        const token = await jwt(
          { scope: ['type=record.read&event=birth,death'], n: systemTokens.length },
          Math.floor(now / 1000) + 600
        )
        systemTokens.push(token)
        return send(response, 200, { access_token: token, token_type: 'Bearer' })
      }
      if (params.grant_type === EXCHANGE_GRANT) {
        const token = await jwt(
          { eventId: params.event_id, actionId: params.action_id },
          Math.floor(now / 1000) + 604800
        )
        return send(response, 200, { access_token: token, token_type: 'Bearer' })
      }
      send(response, 400, { error: 'unsupported_grant_type' })
    }
  })

  describe('stored action token', () => {
    const source = new StoredActionTokenSource({ clock })
    const context = (storedToken: string | undefined) => ({
      eventId: randomUUID(),
      actionId: randomUUID(),
      storedToken
    })

    it('returns a stored token that has not expired', async () => {
      const token = await jwt({ eventId: 'e' }, Math.floor(now / 1000) + 3600)
      assert.deepEqual(await source.tokenFor(context(token)), { kind: 'ok', value: token })
      const noExpiry = await jwt({ eventId: 'e' })
      assert.deepEqual(await source.tokenFor(context(noExpiry)), { kind: 'ok', value: noExpiry })
    })

    it('is permanent when the token is missing, expired or unreadable', async () => {
      expectCode(await source.tokenFor(context(undefined)), 'permanent', 'OPENCRVS_TOKEN_MISSING')
      const expired = await jwt({}, Math.floor(now / 1000) - 1)
      expectCode(await source.tokenFor(context(expired)), 'permanent', 'OPENCRVS_TOKEN_EXPIRED')
      const expiring = await jwt({}, Math.floor(now / 1000) + 5)
      expectCode(await source.tokenFor(context(expiring)), 'permanent', 'OPENCRVS_TOKEN_EXPIRED')
      expectCode(
        await source.tokenFor(context('not-a-jwt')),
        'permanent',
        'OPENCRVS_TOKEN_UNREADABLE'
      )
    })

    it('decodes expiry as epoch milliseconds', async () => {
      const exp = Math.floor(now / 1000) + 60
      assert.equal(decodeExpiry(await jwt({}, exp)), exp * 1000)
      assert.equal(decodeExpiry(await jwt({})), undefined)
      assert.equal(decodeExpiry('garbage'), undefined)
    })
  })

  describe('client credentials + token exchange', () => {
    const exchanged = () =>
      createTokenSource('token-exchange', {
        authUrl: auth.url,
        systemClient: CLIENT,
        timeoutMs: 2000,
        clock
      })

    it('sends the exact client_credentials and exchange parameters, in query and form', async () => {
      const eventId = randomUUID()
      const actionId = randomUUID()
      const outcome = await exchanged().tokenFor({ eventId, actionId, storedToken: undefined })
      assert.equal(outcome.kind, 'ok', JSON.stringify(outcome))

      const [login, exchange] = auth.requests
      assert.ok(login && exchange)
      const loginParams = {
        grant_type: 'client_credentials',
        client_id: 'mosip-bridge',
        client_secret: 's3cr3t&=+ value'
      }
      assert.equal(login.method, 'POST')
      assert.equal(login.path, '/token')
      assert.deepEqual(login.query, loginParams)
      assert.deepEqual(login.form, loginParams)
      assert.equal(login.headers['content-type'], 'application/x-www-form-urlencoded')

      const exchangeParams = {
        grant_type: 'urn:opencrvs:oauth:grant-type:token-exchange',
        subject_token: systemTokens[0],
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        requested_token_type: 'urn:opencrvs:oauth:token-type:single_record_token',
        event_id: eventId,
        action_id: actionId
      }
      assert.equal(exchange.method, 'POST')
      assert.equal(exchange.path, '/token')
      assert.deepEqual(exchange.query, exchangeParams)
      assert.deepEqual(exchange.form, exchangeParams)

      // The answer is the exchanged, action-bound token.
      const payload = JSON.parse(
        Buffer.from(
          (outcome.kind === 'ok' ? outcome.value : '').split('.')[1] ?? '',
          'base64url'
        ).toString('utf8')
      ) as Record<string, unknown>
      assert.deepEqual([payload.eventId, payload.actionId], [eventId, actionId])
    })

    it('caches the system token until shortly before it expires', async () => {
      const source = exchanged()
      for (let i = 0; i < 3; i++) {
        const outcome = await source.tokenFor({
          eventId: randomUUID(),
          actionId: randomUUID(),
          storedToken: undefined
        })
        assert.equal(outcome.kind, 'ok')
      }
      assert.deepEqual(auth.grants(), [
        'client_credentials',
        EXCHANGE_GRANT,
        EXCHANGE_GRANT,
        EXCHANGE_GRANT
      ])
      assert.ok(auth.requests.slice(1).every((r) => r.query.subject_token === systemTokens[0]))

      now += 539_000 // 61 s left: still cached
      await source.tokenFor({
        eventId: randomUUID(),
        actionId: randomUUID(),
        storedToken: undefined
      })
      assert.equal(systemTokens.length, 1)
      now += 2_000 // 59 s left: renewed first
      await source.tokenFor({
        eventId: randomUUID(),
        actionId: randomUUID(),
        storedToken: undefined
      })
      assert.equal(systemTokens.length, 2)
      assert.equal(auth.requests.at(-1)?.query.subject_token, systemTokens[1])
    })

    it('logs in once for concurrent callers', async () => {
      const source = exchanged()
      const outcomes = await Promise.all(
        Array.from({ length: 4 }, () =>
          source.tokenFor({ eventId: randomUUID(), actionId: randomUUID(), storedToken: undefined })
        )
      )
      assert.ok(outcomes.every((outcome) => outcome.kind === 'ok'))
      assert.equal(auth.grants().filter((grant) => grant === 'client_credentials').length, 1)
    })

    it('logs in again once when the subject token is refused', async () => {
      const wellBehaved = auth.reply
      let refusals = 1
      auth.reply = (request, response) => {
        if (request.query.grant_type === EXCHANGE_GRANT && refusals-- > 0) {
          return send(response, 401, {
            error: 'unauthorized_client',
            error_description: 'Invalid subject token'
          })
        }
        return wellBehaved(request, response)
      }
      const outcome = await exchanged().tokenFor({
        eventId: randomUUID(),
        actionId: randomUUID(),
        storedToken: undefined
      })
      assert.equal(outcome.kind, 'ok')
      assert.deepEqual(auth.grants(), [
        'client_credentials',
        EXCHANGE_GRANT,
        'client_credentials',
        EXCHANGE_GRANT
      ])

      refusals = 5
      const refused = await exchanged().tokenFor({
        eventId: randomUUID(),
        actionId: randomUUID(),
        storedToken: undefined
      })
      expectCode(refused, 'permanent', 'OPENCRVS_TOKEN_EXCHANGE_REFUSED')
    })

    it('classifies auth failures', async () => {
      auth.reply = (_request, response) =>
        send(response, 401, {
          error: 'invalid_client',
          error_description: 'Invalid client id or secret'
        })
      const context = { eventId: randomUUID(), actionId: randomUUID(), storedToken: undefined }
      const refused = await exchanged().tokenFor(context)
      expectCode(refused, 'permanent', 'OPENCRVS_CLIENT_REFUSED')
      assert.match(refused.kind === 'permanent' ? refused.reason : '', /Invalid client id/)
      assert.ok(!JSON.stringify(refused).includes('s3cr3t'), 'the secret is not in the reason')

      auth.reply = (_request, response) => send(response, 400, { error: 'invalid_request' })
      expectCode(await exchanged().tokenFor(context), 'permanent', 'OPENCRVS_AUTH_REQUEST_REFUSED')

      auth.reply = (_request, response) => send(response, 502, { message: 'Bad Gateway' })
      expectCode(await exchanged().tokenFor(context), 'retry', 'OPENCRVS_AUTH_HTTP_502')

      const unreachable = createTokenSource('token-exchange', {
        authUrl: 'http://127.0.0.1:1',
        systemClient: CLIENT,
        timeoutMs: 2000
      })
      expectCode(await unreachable.tokenFor(context), 'retry', 'OPENCRVS_AUTH_UNREACHABLE')
    })

    it('returns the system token when there is no action to bind to', async () => {
      const outcome = await exchanged().tokenFor({
        eventId: randomUUID(),
        actionId: null,
        storedToken: undefined
      })
      assert.deepEqual(outcome, { kind: 'ok', value: systemTokens[0] })
      assert.deepEqual(auth.grants(), ['client_credentials'])
    })
  })

  describe('system client (2.1)', () => {
    it('uses the cached client_credentials token directly', async () => {
      const source = createTokenSource('system-client', {
        authUrl: `${auth.url}/`,
        systemClient: CLIENT,
        timeoutMs: 2000,
        clock
      })
      for (let i = 0; i < 3; i++) {
        const outcome = await source.tokenFor({
          eventId: randomUUID(),
          actionId: randomUUID(),
          storedToken: 'ignored'
        })
        assert.deepEqual(outcome, { kind: 'ok', value: systemTokens[0] })
      }
      assert.deepEqual(auth.grants(), ['client_credentials'])
      assert.equal(auth.requests[0]?.path, '/token')
    })
  })

  describe('createTokenSource', () => {
    it('builds the strategy of each mode and refuses a mode without its client', () => {
      const deps = { authUrl: 'http://auth:4040', systemClient: CLIENT, timeoutMs: 1000 }
      assert.ok(
        createTokenSource('stored-token', { timeoutMs: 1000 }) instanceof StoredActionTokenSource
      )
      assert.ok(createTokenSource('token-exchange', deps) instanceof ExchangedTokenSource)
      assert.ok(createTokenSource('system-client', deps) instanceof SystemClientTokenSource)
      assert.throws(
        () => createTokenSource('token-exchange', { timeoutMs: 1000 }),
        /OPENCRVS_CLIENT_ID/
      )
      assert.throws(
        () => createTokenSource('system-client', { systemClient: CLIENT, timeoutMs: 1000 }),
        /OPENCRVS_AUTH_URL/
      )
    })

    it('appends /token to the auth URL whatever its shape', () => {
      assert.equal(tokenUrl('http://auth:4040').toString(), 'http://auth:4040/token')
      assert.equal(tokenUrl('http://auth:4040/').toString(), 'http://auth:4040/token')
      assert.equal(tokenUrl('https://gw.example/auth').toString(), 'https://gw.example/auth/token')
    })

    it('exposes the login count of the auth client', async () => {
      const client = new OpencrvsAuthClient({ authUrl: auth.url, client: CLIENT, timeoutMs: 2000 })
      await client.systemToken()
      await client.systemToken()
      assert.equal(client.loginCount, 1)
      client.invalidate()
      await client.systemToken()
      assert.equal(client.loginCount, 2)
    })
  })
})
