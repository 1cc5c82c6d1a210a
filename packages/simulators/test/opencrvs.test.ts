import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { decodeJwt, importSPKI, jwtVerify } from 'jose'
import { serialize } from 'superjson'
import { startRecordingServer, type RecordingServer } from '@mosip-bridge/test-support'
import {
  opencrvsEventDocumentSchema,
  opencrvsTrpcBatchResponseSchema,
  type OpencrvsEventDocument,
  type OpencrvsTrpcErrorShape,
  type OpencrvsTrpcResponseItem,
  type OpencrvsVersion
} from '@mosip-bridge/contracts'
import {
  createOpencrvsSimulator,
  type OpencrvsSimulator,
  type OpencrvsSimulatorOptions
} from '../src/opencrvs/index.js'

// ── helpers: a tRPC httpBatchLink-like caller and a tiny country configuration ───────────────

interface TrpcAnswer {
  status: number
  items: OpencrvsTrpcResponseItem[]
}

/** POST {gateway}/events/a,b?batch=1 with superjson-encoded inputs, as the toolkit client does. */
async function trpcBatch(
  sim: OpencrvsSimulator,
  calls: Array<[procedure: string, input: unknown]>,
  token: string | undefined
): Promise<TrpcAnswer> {
  const body = Object.fromEntries(
    calls.map(([, input], index) => [String(index), serialize(input as never)])
  )
  const response = await fetch(
    `${sim.eventsUrl}/${calls.map(([procedure]) => procedure).join(',')}?batch=1`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {})
      },
      body: JSON.stringify(body)
    }
  )
  return {
    status: response.status,
    items: opencrvsTrpcBatchResponseSchema.parse(await response.json())
  }
}

async function trpc(sim: OpencrvsSimulator, procedure: string, input: unknown, token: string) {
  const answer = await trpcBatch(sim, [[procedure, input]], token)
  const [item] = answer.items
  assert.ok(item)
  return { status: answer.status, item }
}

function dataOf(item: OpencrvsTrpcResponseItem | undefined): OpencrvsEventDocument {
  assert.ok(item && 'result' in item, `expected a result, got ${JSON.stringify(item)}`)
  return opencrvsEventDocumentSchema.parse(item.result.data.json)
}

function errorOf(item: OpencrvsTrpcResponseItem | undefined): OpencrvsTrpcErrorShape {
  assert.ok(item && 'error' in item, `expected an error, got ${JSON.stringify(item)}`)
  return item.error.json
}

interface TriggerSeen {
  url: string
  headers: IncomingHttpHeaders
  body: string
  claims: Record<string, unknown>
}

/**
 * A country configuration: verifies the trigger JWT like the reference one (RS256, issuer,
 * audience countryconfig-user, PEM from /.well-known refetched once on a failure) and answers
 * as the test says.
 */
class CountryConfig {
  readonly seen: TriggerSeen[] = []
  respond: (seen: TriggerSeen) => { status: number; body?: unknown } = () => ({ status: 202 })
  private server: RecordingServer | undefined
  private key: Awaited<ReturnType<typeof importSPKI>> | undefined
  url = ''

  constructor(private readonly publicKeyUrl: string) {}

  private async verify(token: string, refresh = true): Promise<Record<string, unknown>> {
    this.key ??= await importSPKI(await (await fetch(this.publicKeyUrl)).text(), 'RS256')
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['RS256'],
        issuer: 'opencrvs:auth-service',
        audience: 'opencrvs:countryconfig-user'
      })
      return payload
    } catch (error) {
      if (!refresh) throw error
      this.key = undefined
      return this.verify(token, false)
    }
  }

  async start(): Promise<void> {
    this.server = await startRecordingServer(async (request, response) => {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '')
      let claims: Record<string, unknown>
      try {
        claims = await this.verify(token)
      } catch {
        response.writeHead(401, { 'content-type': 'application/json' })
        response.end('{"statusCode":401}')
        return
      }
      const seen = { url: request.url, headers: request.headers, body: request.body, claims }
      this.seen.push(seen)
      const answer = this.respond(seen)
      response.writeHead(answer.status, { 'content-type': 'application/json' })
      response.end(answer.body === undefined ? '' : JSON.stringify(answer.body))
    })
    this.url = this.server.url
  }

  async stop(): Promise<void> {
    await this.server?.close()
  }
}

const BIRTH_DECLARATION = {
  'child.name': { firstname: 'Ada', middlename: 'K', surname: 'Banda' },
  'child.dob': '2025-12-30',
  'child.gender': 'female',
  'mother.name': { firstname: 'Grace', surname: 'Banda' },
  'mother.verified': 'authenticated',
  'mother.nid': '1234567890'
}

async function withSimulator(
  options: OpencrvsSimulatorOptions
): Promise<{ sim: OpencrvsSimulator; countryConfig: CountryConfig }> {
  const sim = await createOpencrvsSimulator(options)
  const countryConfig = new CountryConfig(sim.publicKeyUrl)
  await countryConfig.start()
  sim.setCountryConfigUrl(countryConfig.url)
  return { sim, countryConfig }
}

/** A birth event with a REGISTER waiting for confirmation (the country config answered 202). */
async function pendingRegistration(sim: OpencrvsSimulator, countryConfig: CountryConfig) {
  countryConfig.respond = () => ({ status: 202 })
  const event = sim.createEvent({ type: 'birth', declaration: BIRTH_DECLARATION })
  const result = await sim.register(event.id)
  assert.equal(result.outcome, 'pending')
  return { eventId: event.id, actionId: result.actionId, token: result.token }
}

function acceptInput(eventId: string, actionId: string, extra: Record<string, unknown> = {}) {
  return {
    transactionId: `mosip-interop-${randomUUID()}`,
    eventId,
    actionId,
    registrationNumber: 'PD9TL0RL12RO',
    declaration: { 'child.nid': '7391048265' },
    ...extra
  }
}

// ── auth service ─────────────────────────────────────────────────────────────────────────

describe('OpenCRVS simulator: auth service', () => {
  let sim: OpencrvsSimulator
  let countryConfig: CountryConfig
  before(async () => {
    ;({ sim, countryConfig } = await withSimulator({ version: 'v2.0' }))
  })
  after(async () => {
    await sim.close()
    await countryConfig.stop()
  })

  it('serves the PEM at /.well-known and it verifies client_credentials tokens', async () => {
    const wellKnown = await fetch(`${sim.authUrl}/.well-known`)
    assert.equal(wellKnown.status, 200)
    assert.equal(wellKnown.headers.get('content-type'), 'application/octet-stream')
    const pem = await wellKnown.text()
    assert.match(pem, /^-----BEGIN PUBLIC KEY-----\n/)

    const response = await fetch(
      `${sim.authUrl}/token?grant_type=client_credentials&client_id=mosip-bridge&client_secret=mosip-bridge-secret`,
      { method: 'POST' }
    )
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('cache-control'), 'no-store')
    const body = (await response.json()) as { access_token: string; token_type: string }
    assert.equal(body.token_type, 'Bearer')
    const { payload, protectedHeader } = await jwtVerify(
      body.access_token,
      await importSPKI(pem, 'RS256'),
      { issuer: 'opencrvs:auth-service', audience: 'opencrvs:gateway-user' }
    )
    assert.equal(protectedHeader.alg, 'RS256')
    assert.equal(payload['userType'], 'system')
    assert.equal(payload.sub, sim.systemClients[0]?.id)
    assert.ok((payload['scope'] as string[]).includes('type=record.read&event=birth,death'))
    assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 600)
    assert.ok((payload.aud as string[]).includes('opencrvs:auth-user'))
  })

  it('reads client_credentials from a form body (v2.0) and refuses bad clients', async () => {
    const form = await fetch(`${sim.authUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=mosip-bridge&client_secret=mosip-bridge-secret'
    })
    assert.equal(form.status, 200)

    const wrong = await fetch(
      `${sim.authUrl}/token?grant_type=client_credentials&client_id=mosip-bridge&client_secret=nope`,
      { method: 'POST' }
    )
    assert.equal(wrong.status, 401)
    assert.equal(wrong.headers.get('cache-control'), 'no-store')
    assert.deepEqual(((await wrong.json()) as { error: string }).error, 'invalid_client')

    const missing = await fetch(`${sim.authUrl}/token?grant_type=client_credentials`, {
      method: 'POST'
    })
    assert.equal(missing.status, 400)
    assert.equal(((await missing.json()) as { error: string }).error, 'invalid_request')

    const unknown = await fetch(`${sim.authUrl}/token?grant_type=password`, { method: 'POST' })
    assert.equal(unknown.status, 400)
    assert.equal(((await unknown.json()) as { error: string }).error, 'unsupported_grant_type')
  })

  it('exchanges a system token for an action-bound token (also through the gateway)', async () => {
    const { eventId, actionId } = await pendingRegistration(sim, countryConfig)
    const system = await sim.issueSystemToken()
    const query = new URLSearchParams({
      grant_type: 'urn:opencrvs:oauth:grant-type:token-exchange',
      subject_token: system,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:opencrvs:oauth:token-type:single_record_token',
      event_id: eventId,
      action_id: actionId
    })
    const response = await fetch(`${sim.gatewayUrl}/auth/token?${query}`, { method: 'POST' })
    assert.equal(response.status, 200)
    const { access_token } = (await response.json()) as { access_token: string }
    const claims = decodeJwt(access_token)
    assert.equal(claims['eventId'], eventId)
    assert.equal(claims['actionId'], actionId)
    assert.equal(claims['userType'], 'system')
    assert.equal(claims.sub, sim.systemClients[0]?.id)
    assert.deepEqual((claims['scope'] as string[]).slice(0, 3), [
      'type=record.confirm-registration',
      'type=record.reject-registration',
      'type=record.read&event=birth,death'
    ])
    assert.equal((claims.exp ?? 0) - (claims.iat ?? 0), 604_800)

    // The exchanged token confirms the registration.
    const accepted = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      access_token
    )
    assert.equal(accepted.status, 200)
    assert.equal(sim.actionStatus(eventId, actionId), 'Accepted')

    query.set('subject_token', 'not-a-jwt')
    const bad = await fetch(`${sim.authUrl}/token?${query}`, { method: 'POST' })
    assert.equal(bad.status, 401)
    assert.deepEqual(await bad.json(), {
      error: 'unauthorized_client',
      error_description: 'Invalid subject token'
    })
    query.delete('event_id')
    const incomplete = await fetch(`${sim.authUrl}/token?${query}`, { method: 'POST' })
    assert.equal(incomplete.status, 400)
  })

  it('v1.9 reads the token parameters from the query string only', async () => {
    const old = await createOpencrvsSimulator({ version: 'v1.9' })
    try {
      const form = await fetch(`${old.authUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=mosip-bridge&client_secret=mosip-bridge-secret'
      })
      assert.equal(form.status, 400)
      const query = await fetch(
        `${old.authUrl}/token?grant_type=client_credentials&client_id=mosip-bridge&client_secret=mosip-bridge-secret`,
        { method: 'POST' }
      )
      assert.equal(query.status, 200)
    } finally {
      await old.close()
    }
  })
})

// ── events API ───────────────────────────────────────────────────────────────────────────

describe('OpenCRVS simulator: events API over tRPC', () => {
  let sim: OpencrvsSimulator
  let countryConfig: CountryConfig
  before(async () => {
    ;({ sim, countryConfig } = await withSimulator({ version: 'v2.0' }))
  })
  after(async () => {
    await sim.close()
    await countryConfig.stop()
  })
  beforeEach(() => sim.clearFaults())

  it('answers a batch of two procedures with two results in order', async () => {
    const first = sim.createEvent({ type: 'birth', declaration: BIRTH_DECLARATION })
    const second = sim.createEvent({ type: 'death', declaration: {} })
    const system = await sim.issueSystemToken()
    const answer = await trpcBatch(
      sim,
      [
        ['event.get', { eventId: second.id }],
        ['event.get', { eventId: first.id }]
      ],
      system
    )
    assert.equal(answer.status, 200)
    assert.equal(answer.items.length, 2)
    assert.equal(dataOf(answer.items[0]).id, second.id)
    assert.equal(dataOf(answer.items[1]).id, first.id)
    // event.get appends an Accepted READ action (audit row).
    assert.equal(dataOf(answer.items[1]).actions.at(-1)?.type, 'READ')

    const { eventId, actionId, token } = await pendingRegistration(sim, countryConfig)
    const mixed = await trpcBatch(
      sim,
      [
        ['event.actions.register.accept', acceptInput(eventId, actionId)],
        ['event.get', { eventId }],
        ['event.nope', {}]
      ],
      token
    )
    assert.equal(mixed.status, 207)
    const accepted = dataOf(mixed.items[0])
    assert.equal(accepted.actions.find((a) => a.originalActionId === actionId)?.status, 'Accepted')
    assert.equal(dataOf(mixed.items[1]).id, eventId)
    assert.equal(errorOf(mixed.items[2]).data.code, 'NOT_FOUND')
    assert.equal(errorOf(mixed.items[2]).message, 'No procedure found on path "event.nope"')
  })

  it('refuses a token bound to another action with FORBIDDEN', async () => {
    const a = await pendingRegistration(sim, countryConfig)
    const b = await pendingRegistration(sim, countryConfig)
    const { status, item } = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(b.eventId, b.actionId),
      a.token
    )
    assert.equal(status, 403)
    const error = errorOf(item)
    assert.equal(error.code, -32003)
    assert.equal(error.data.code, 'FORBIDDEN')
    assert.equal(error.data.path, 'event.actions.register.accept')
    assert.equal(sim.actionStatus(b.eventId, b.actionId), 'Requested')

    const system = await sim.issueSystemToken()
    const plain = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(b.eventId, b.actionId),
      system
    )
    assert.equal(errorOf(plain.item).message, 'Missing required scopes for action confirmation')
  })

  it('accept is idempotent, ignoring a different registration number', async () => {
    const { eventId, actionId, token } = await pendingRegistration(sim, countryConfig)
    const first = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      token
    )
    assert.equal(first.status, 200)
    const again = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId, { registrationNumber: 'SOMETHINGELSE' }),
      token
    )
    assert.equal(again.status, 200)
    assert.deepEqual(dataOf(again.item), dataOf(first.item))
    const confirmations = sim
      .getEvent(eventId)
      ?.actions.filter((a) => a.originalActionId === actionId)
    assert.equal(confirmations?.length, 1)
    assert.equal(confirmations?.[0]?.registrationNumber, 'PD9TL0RL12RO')
    assert.equal(sim.declarationOf(eventId)['child.nid'], '7391048265')
    assert.deepEqual(sim.flags(eventId), [])
    // The action-bound token came from the registrar: accepting unassigns the record.
    assert.equal(sim.assignedTo(eventId), undefined)
  })

  it('refuses reject after accept (500) and accept after reject (BAD_REQUEST)', async () => {
    const accepted = await pendingRegistration(sim, countryConfig)
    await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(accepted.eventId, accepted.actionId),
      accepted.token
    )
    const rejectInput = (p: { eventId: string; actionId: string }) => ({
      transactionId: 't-reject',
      eventId: p.eventId,
      actionId: p.actionId
    })
    const late = await trpc(
      sim,
      'event.actions.register.reject',
      rejectInput(accepted),
      accepted.token
    )
    assert.equal(late.status, 500)
    // Production core hides the message of a plain Error.
    assert.deepEqual(errorOf(late.item), {
      message: 'Internal server error',
      code: -32603,
      data: { code: 'INTERNAL_SERVER_ERROR', httpStatus: 500 }
    })

    const rejected = await pendingRegistration(sim, countryConfig)
    const reject = await trpc(
      sim,
      'event.actions.register.reject',
      rejectInput(rejected),
      rejected.token
    )
    assert.equal(reject.status, 200)
    assert.deepEqual(sim.flags(rejected.eventId), ['register:rejected'])
    const confirmation = sim
      .getEvent(rejected.eventId)
      ?.actions.find((a) => a.originalActionId === rejected.actionId)
    assert.equal(confirmation?.status, 'Rejected')
    assert.equal(confirmation?.declaration, undefined)
    const rejectAgain = await trpc(
      sim,
      'event.actions.register.reject',
      rejectInput(rejected),
      rejected.token
    )
    assert.equal(rejectAgain.status, 200, 'reject is idempotent')
    const acceptLate = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(rejected.eventId, rejected.actionId),
      rejected.token
    )
    assert.equal(acceptLate.status, 400)
    assert.equal(errorOf(acceptLate.item).message, 'Action has already been rejected.')
    assert.equal(errorOf(acceptLate.item).data.code, 'BAD_REQUEST')
  })

  it('stores {"child.nid": undefined} sent through superjson 1.9 as null (cleared)', async () => {
    const { eventId, actionId, token } = await pendingRegistration(sim, countryConfig)
    const input = acceptInput(eventId, actionId, { declaration: { 'child.nid': undefined } })
    const encoded = serialize(input as never)
    assert.deepEqual(encoded.meta?.values, { 'declaration.child.nid': ['undefined'] })
    const { status } = await trpc(sim, 'event.actions.register.accept', input, token)
    assert.equal(status, 200)
    const confirmation = sim.getEvent(eventId)?.actions.find((a) => a.originalActionId === actionId)
    assert.ok(confirmation?.declaration && 'child.nid' in confirmation.declaration)
    assert.equal(confirmation.declaration['child.nid'], null)
    const merged = sim.declarationOf(eventId)
    assert.ok('child.nid' in merged)
    assert.equal(merged['child.nid'], null)
    assert.equal(merged['child.dob'], '2025-12-30')
  })

  it('speaks the non-batch forms and answers protocol errors like tRPC', async () => {
    const { eventId, actionId, token } = await pendingRegistration(sim, countryConfig)
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` }

    const get = await fetch(
      `${sim.eventsUrl}/event.get?input=${encodeURIComponent(JSON.stringify({ json: { eventId } }))}`,
      { headers: { authorization: `Bearer ${token}` } }
    )
    assert.equal(get.status, 200)
    const single = (await get.json()) as { result: { data: { json: { id: string } } } }
    assert.equal(single.result.data.json.id, eventId)

    const unwrapped = await fetch(`${sim.eventsUrl}/event.actions.register.accept?batch=1`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ 0: acceptInput(eventId, actionId) })
    })
    assert.equal(unwrapped.status, 400, 'a body without the json wrapper decodes to undefined')

    const noType = await fetch(`${sim.eventsUrl}/event.actions.register.accept?batch=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` }
    })
    assert.equal(noType.status, 415)
    const noTypeBody = (await noType.json()) as { error: { json: OpencrvsTrpcErrorShape } }
    assert.equal(noTypeBody.error.json.message, 'Missing content-type header')

    const malformed = await fetch(`${sim.eventsUrl}/event.get?batch=1`, {
      method: 'POST',
      headers,
      body: '{"0":'
    })
    assert.equal(malformed.status, 400)
    const [parseError] = (await malformed.json()) as Array<{
      error: { json: OpencrvsTrpcErrorShape }
    }>
    assert.equal(parseError?.error.json.data.code, 'PARSE_ERROR')

    const getMutation = await fetch(
      `${sim.eventsUrl}/event.actions.register.accept?batch=1&input=%7B%7D`,
      { headers }
    )
    assert.equal(getMutation.status, 405)

    const strictUuid = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput('11111111-1111-1111-1111-111111111111', actionId),
      token
    )
    assert.equal(strictUuid.status, 400, 'v2.0 uses RFC-strict UUIDs')

    const unknownActionId = randomUUID()
    const missingAction = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, unknownActionId),
      await sim.issueActionToken({ eventId, actionId: unknownActionId })
    )
    assert.equal(missingAction.status, 404)
    assert.equal(errorOf(missingAction.item).message, 'Action not found.')
    const missingReject = await trpc(
      sim,
      'event.actions.register.reject',
      { transactionId: 'x', eventId, actionId: unknownActionId },
      await sim.issueActionToken({ eventId, actionId: unknownActionId })
    )
    assert.equal(missingReject.status, 500, 'core throws a plain Error here')

    const nonBatch = await fetch(`${sim.eventsUrl}/event.actions.register.reject`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ json: { eventId, actionId, transactionId: 'manual-fix' } })
    })
    assert.equal(nonBatch.status, 200)
    assert.equal(sim.actionStatus(eventId, actionId), 'Rejected')

    const rest = await fetch(`${sim.eventsUrl}/events/123`, { headers })
    assert.equal(rest.status, 404, 'not a tRPC request: the REST handler answers')
  })

  it('answers token problems at the gateway with a hapi 401, not a tRPC envelope', async () => {
    const { eventId, actionId, token } = await pendingRegistration(sim, countryConfig)
    const missing = await fetch(`${sim.eventsUrl}/event.get?batch=1&input=%7B%7D`)
    assert.equal(missing.status, 401)
    assert.deepEqual(await missing.json(), {
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Missing authentication'
    })

    sim.advanceClock(604_801_000)
    try {
      const late = await fetch(`${sim.eventsUrl}/event.actions.register.accept?batch=1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ 0: serialize(acceptInput(eventId, actionId) as never) })
      })
      assert.equal(late.status, 401, 'the 7-day action token has expired')
      const body = (await late.json()) as { message: string; result?: unknown }
      assert.equal(body.message, 'Expired token')
      assert.equal(body.result, undefined)
    } finally {
      sim.advanceClock(-604_801_000)
    }

    const get = (bearer: string) =>
      fetch(`${sim.eventsUrl}/event.get?batch=1&input=${encodeURIComponent('{"0":{"json":{}}}')}`, {
        headers: { authorization: `Bearer ${bearer}` }
      })
    sim.expireTokens()
    const expired = await get(token)
    assert.equal(expired.status, 401)
    assert.equal(((await expired.json()) as { message: string }).message, 'Expired token')
    const expiredBatch = await trpcBatch(sim, [['event.get', { eventId }]], token).catch(
      (error: unknown) => error
    )
    assert.ok(expiredBatch instanceof Error, 'a Boom 401 is not a tRPC batch response')

    const beforeRotation = await sim.issueActionToken({ eventId, actionId })
    sim.rotateKeys()
    const stale = await get(beforeRotation)
    assert.equal(stale.status, 401)
    assert.equal(((await stale.json()) as { message: string }).message, 'Invalid token')
    const fresh = await sim.issueActionToken({ eventId, actionId })
    const ok = await trpc(sim, 'event.get', { eventId }, fresh)
    assert.equal(ok.status, 200)

    sim.setCheckInvalidToken(true)
    sim.invalidateToken(fresh)
    assert.equal(
      ((await (await get(fresh)).json()) as { message: string }).message,
      'Invalid credentials'
    )
    sim.setCheckInvalidToken(false)
  })

  it('fails a procedure on demand, then recovers', async () => {
    const { eventId, actionId, token } = await pendingRegistration(sim, countryConfig)
    sim.failProcedure({ code: 'SERVICE_UNAVAILABLE', message: 'try later', times: 2 })
    for (let i = 0; i < 2; i++) {
      const failed = await trpc(
        sim,
        'event.actions.register.accept',
        acceptInput(eventId, actionId),
        token
      )
      assert.equal(failed.status, 503)
      assert.equal(errorOf(failed.item).message, 'try later')
    }
    assert.equal(sim.actionStatus(eventId, actionId), 'Requested')
    const ok = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      token
    )
    assert.equal(ok.status, 200)

    sim.setFaults('opencrvs-gateway', { outage: true })
    await assert.rejects(trpcBatch(sim, [['event.get', { eventId }]], token))
    sim.setFaults('opencrvs-gateway', { outage: false })
    assert.equal(sim.requests('opencrvs-gateway').at(-1)?.url.startsWith('/events/event.get'), true)
  })

  it('confirms a correction with correction.approve.accept and merges child.nid (v2.0)', async () => {
    countryConfig.respond = (seen) =>
      seen.url.endsWith('/REGISTER')
        ? { status: 200, body: { registrationNumber: 'REG123456789' } }
        : seen.url.endsWith('/APPROVE_CORRECTION')
          ? { status: 202 }
          : { status: 200, body: {} }
    const event = sim.createEvent({ type: 'birth', declaration: BIRTH_DECLARATION })
    assert.equal((await sim.register(event.id)).outcome, 'accepted')
    const request = await sim.requestAction(event.id, 'REQUEST_CORRECTION', {
      declaration: { 'child.name': { firstname: 'Ada', surname: 'Phiri' } }
    })
    assert.equal(request.outcome, 'accepted')
    const approve = await sim.requestAction(event.id, 'APPROVE_CORRECTION', {
      requestId: request.actionId
    })
    assert.equal(approve.outcome, 'pending')
    const { status } = await trpc(
      sim,
      'event.actions.correction.approve.accept',
      {
        transactionId: 'mosip-interop-x',
        eventId: event.id,
        actionId: approve.actionId,
        requestId: request.actionId,
        declaration: { 'child.nid': '5550001112' }
      },
      approve.token
    )
    assert.equal(status, 200)
    const merged = sim.declarationOf(event.id)
    assert.equal(merged['child.nid'], '5550001112')
    assert.deepEqual(merged['child.name'], { firstname: 'Ada', middlename: 'K', surname: 'Phiri' })
  })
})

// ── the action-confirmation trigger ──────────────────────────────────────────────────────

describe('OpenCRVS simulator: action-confirmation trigger', () => {
  let sim: OpencrvsSimulator
  let countryConfig: CountryConfig
  before(async () => {
    ;({ sim, countryConfig } = await withSimulator({ version: 'v2.0' }))
  })
  after(async () => {
    await sim.close()
    await countryConfig.stop()
  })

  it('posts the bare EventDocument with the action token; 200 accepts at once', async () => {
    countryConfig.respond = () => ({
      status: 200,
      body: { registrationNumber: 'PD9TL0RL12RO', ignored: true }
    })
    const event = sim.createEvent({ type: 'birth', declaration: BIRTH_DECLARATION })
    const result = await sim.register(event.id)
    assert.equal(result.outcome, 'accepted')
    assert.equal(result.httpStatus, 200)

    const seen = countryConfig.seen.at(-1)
    assert.ok(seen)
    assert.equal(seen.url, '/trigger/events/birth/actions/REGISTER')
    assert.equal(seen.headers['content-type'], 'application/json')
    assert.equal(seen.headers.authorization, `Bearer ${result.token}`)
    const sent = opencrvsEventDocumentSchema.parse(JSON.parse(seen.body))
    assert.equal(sent.id, event.id)
    const last = sent.actions.at(-1)
    assert.equal(last?.type, 'REGISTER')
    assert.equal(last?.status, 'Requested')
    assert.equal(last?.id, result.actionId)
    assert.equal(seen.claims['eventId'], event.id)
    assert.equal(seen.claims['actionId'], result.actionId)
    assert.equal(seen.claims['sub'], sim.registrar.id)
    assert.equal(seen.claims['userType'], 'user')
    assert.equal(Number(seen.claims['exp']) - Number(seen.claims['iat']), 604_800)
    assert.deepEqual(seen.claims['aud'], [
      'opencrvs:gateway-user',
      'opencrvs:events-user',
      'opencrvs:user-mgnt-user',
      'opencrvs:auth-user',
      'opencrvs:countryconfig-user',
      'opencrvs:documents-user'
    ])

    const accepted = result.event.actions.find((a) => a.originalActionId === result.actionId)
    assert.equal(accepted?.status, 'Accepted')
    assert.equal(accepted?.registrationNumber, 'PD9TL0RL12RO')
    assert.deepEqual(accepted?.declaration, {})
    assert.deepEqual(sim.flags(event.id), [])
    assert.equal(sim.assignedTo(event.id), undefined)
  })

  it('202 leaves the action Requested and locked until the bridge accepts it', async () => {
    countryConfig.respond = () => ({ status: 202 })
    const event = sim.createEvent({ type: 'birth', declaration: BIRTH_DECLARATION })
    const result = await sim.register(event.id)
    assert.equal(result.outcome, 'pending')
    assert.deepEqual(sim.flags(event.id), ['register:requested'])
    assert.equal(sim.isLocked(event.id), true)
    assert.equal(sim.assignedTo(event.id), sim.registrar.id, 'v2.0 keeps the registrar assigned')
    assert.equal(sim.pendingActions(event.id)[0]?.id, result.actionId)
    await assert.rejects(sim.register(event.id), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'CONFLICT')
      return true
    })

    // Later, the bridge confirms with the token it received.
    const confirmed = sim.waitForConfirmation(event.id, result.actionId, 'Accepted')
    const { status } = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(event.id, result.actionId),
      result.token
    )
    assert.equal(status, 200)
    const confirmation = await confirmed
    assert.equal(confirmation.registrationNumber, 'PD9TL0RL12RO')
    assert.deepEqual(sim.flags(event.id), [])
    assert.equal(sim.isLocked(event.id), false)
    assert.equal(sim.assignedTo(event.id), undefined, 'accepting with the user token unassigns')
  })

  it('400 rejects at once and ignores the body', async () => {
    countryConfig.respond = () => ({ status: 400, body: { reason: 'not eligible' } })
    const event = sim.createEvent({ type: 'death', declaration: {} })
    const result = await sim.register(event.id)
    assert.equal(result.outcome, 'rejected')
    assert.equal(countryConfig.seen.at(-1)?.url, '/trigger/events/death/actions/REGISTER')
    const rejection = result.event.actions.find((a) => a.originalActionId === result.actionId)
    assert.equal(rejection?.status, 'Rejected')
    assert.equal(JSON.stringify(result.event).includes('not eligible'), false)
    assert.deepEqual(sim.flags(event.id), ['register:rejected'])
    assert.equal(sim.assignedTo(event.id), undefined)
  })

  it('anything else leaves a dangling Requested action and a locked record', async () => {
    for (const respond of [
      () => ({ status: 500 }),
      () => ({ status: 204 }),
      () => ({ status: 200, body: { declaration: {} } })
    ]) {
      countryConfig.respond = respond
      const event = sim.createEvent({ type: 'birth', declaration: BIRTH_DECLARATION })
      const result = await sim.register(event.id)
      assert.equal(result.outcome, 'failed')
      assert.equal(result.error?.code, 'INTERNAL_SERVER_ERROR')
      assert.equal(sim.actionStatus(event.id, result.actionId), 'Requested')
      assert.equal(sim.isLocked(event.id), true)
    }

    const offline = await createOpencrvsSimulator({ countryConfigUrl: 'http://127.0.0.1:9' })
    try {
      const event = offline.createEvent({ type: 'birth' })
      const result = await offline.register(event.id)
      assert.equal(result.outcome, 'failed')
      assert.equal(result.httpStatus, undefined)
      assert.equal(
        result.error?.message,
        'Unexpected failure from country config action confirmation API'
      )
      assert.ok(offline.triggers()[0]?.error)
    } finally {
      await offline.close()
    }
  })

  it('can be driven over the /_sim/opencrvs control API', async () => {
    countryConfig.respond = () => ({ status: 202 })
    const post = (path: string, body: unknown) =>
      fetch(`${sim.url}/_sim/opencrvs${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body)
      })
    const created = (await (
      await post('/events', { type: 'birth', declaration: BIRTH_DECLARATION })
    ).json()) as { event: OpencrvsEventDocument }
    const registered = await post(`/events/${created.event.id}/actions`, { type: 'REGISTER' })
    assert.equal(registered.status, 200)
    const result = (await registered.json()) as { outcome: string; actionId: string }
    assert.equal(result.outcome, 'pending')
    const again = await post(`/events/${created.event.id}/actions`, { type: 'REGISTER' })
    assert.equal(again.status, 409, 'locked while the registration is pending')
    const state = (await (
      await fetch(`${sim.url}/_sim/opencrvs/events/${created.event.id}`)
    ).json()) as {
      flags: string[]
      locked: boolean
    }
    assert.deepEqual(state.flags, ['register:requested'])
    assert.equal(state.locked, true)
  })

  it('reproduces the deferred-rejection trap of the reference handler', async () => {
    const { eventId, actionId, token } = await pendingRegistration(sim, countryConfig)
    countryConfig.respond = () => ({ status: 200, body: {} })
    const rejected = await trpc(
      sim,
      'event.actions.register.reject',
      { transactionId: 't', eventId, actionId },
      token
    )
    assert.equal(rejected.status, 200)
    const strict = await trpc(
      sim,
      'event.actions.reject.request',
      { transactionId: 't2', eventId, actionId, content: { reason: 'not eligible' } },
      token
    )
    assert.equal(strict.status, 400, 'v2.0 request inputs are strict')
    assert.match(errorOf(strict.item).message, /Unrecognized key/)
    const unassigned = await trpc(
      sim,
      'event.actions.reject.request',
      { transactionId: 't2', eventId, content: { reason: 'not eligible' } },
      token
    )
    assert.equal(unassigned.status, 409)
    assert.equal(errorOf(unassigned.item).message, 'You are not assigned to this event')

    // With keepAssignment the registrar stays assigned and "send for updates" goes through.
    const kept = await pendingRegistration(sim, countryConfig)
    countryConfig.respond = () => ({ status: 200, body: {} })
    await trpc(
      sim,
      'event.actions.register.reject',
      { transactionId: 't', eventId: kept.eventId, actionId: kept.actionId, keepAssignment: true },
      kept.token
    )
    const sent = await trpc(
      sim,
      'event.actions.reject.request',
      { transactionId: 't3', eventId: kept.eventId, content: { reason: 'not eligible' } },
      kept.token
    )
    assert.equal(sent.status, 200)
    assert.equal(countryConfig.seen.at(-1)?.url, '/trigger/events/birth/actions/REJECT')
    const reject = dataOf(sent.item).actions.find(
      (a) => a.type === 'REJECT' && a.status === 'Requested'
    )
    assert.deepEqual(reject?.content, { reason: 'not eligible' })
  })
})

// ── version models ───────────────────────────────────────────────────────────────────────

describe('OpenCRVS simulator: version models', () => {
  const runs: Array<{ sim: OpencrvsSimulator; countryConfig: CountryConfig }> = []
  async function start(version: OpencrvsVersion) {
    const run = await withSimulator({ version })
    runs.push(run)
    return run
  }
  after(async () => {
    for (const run of runs) {
      await run.sim.close()
      await run.countryConfig.stop()
    }
  })

  it('v1.9: plain scopes, bare-UUID event.get; a qs-scoped token is refused', async () => {
    const { sim, countryConfig } = await start('v1.9')
    const { eventId, actionId, token } = await pendingRegistration(sim, countryConfig)
    const claims = decodeJwt(token)
    assert.deepEqual(claims['scope'], [
      'record.confirm-registration',
      'record.reject-registration',
      'record.read[event=birth|death]',
      'record.declared.reject[event=birth|death]'
    ])
    assert.ok((claims.aud as string[]).includes('opencrvs:notification-api-user'))

    const qsShaped = await sim.signToken({
      sub: sim.registrar.id,
      aud: ['opencrvs:gateway-user', 'opencrvs:countryconfig-user'],
      scope: ['type=record.confirm-registration', 'type=record.reject-registration'],
      userType: 'user',
      eventId,
      actionId
    })
    const refused = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      qsShaped
    )
    assert.equal(refused.status, 403)
    assert.equal(errorOf(refused.item).message, 'Missing required scopes for action confirmation')

    const objectInput = await trpc(sim, 'event.get', { eventId }, token)
    assert.equal(objectInput.status, 400, 'v1.9 event.get takes the bare UUID')
    const bare = await trpc(sim, 'event.get', eventId, token)
    assert.equal(bare.status, 200)

    const ok = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      token
    )
    assert.equal(ok.status, 200)
    assert.equal(sim.actionStatus(eventId, actionId), 'Accepted')
  })

  it('v2.0: qs scopes; a plain-scoped token is refused', async () => {
    const { sim, countryConfig } = await start('v2.0')
    const { eventId, actionId, token } = await pendingRegistration(sim, countryConfig)
    const plainShaped = await sim.signToken({
      sub: sim.registrar.id,
      aud: ['opencrvs:gateway-user'],
      scope: ['record.confirm-registration', 'record.reject-registration'],
      userType: 'user',
      eventId,
      actionId
    })
    const refused = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      plainShaped
    )
    assert.equal(refused.status, 403)
    const noClaims = await sim.signToken({
      sub: sim.registrar.id,
      aud: ['opencrvs:gateway-user'],
      scope: ['type=record.confirm-registration', 'type=record.reject-registration']
    })
    const unbound = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      noClaims
    )
    assert.equal(errorOf(unbound.item).message, 'Missing required claims for action confirmation')
    const ok = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      token
    )
    assert.equal(ok.status, 200)
  })

  it('v2.1: a scope-less trigger token; only a system client with record.action.accept confirms', async () => {
    const { sim, countryConfig } = await start('v2.1')
    const { eventId, actionId, token } = await pendingRegistration(sim, countryConfig)
    assert.deepEqual(decodeJwt(token)['scope'], [])
    assert.equal(sim.assignedTo(eventId), undefined, '2.1 unassigns as soon as it sees the 202')

    const withTrigger = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      token
    )
    assert.equal(withTrigger.status, 403)

    const legacy = await sim.signToken({
      sub: sim.registrar.id,
      aud: ['opencrvs:gateway-user'],
      scope: ['type=record.confirm-registration', 'type=record.reject-registration'],
      userType: 'user',
      eventId,
      actionId
    })
    const refused = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      legacy
    )
    assert.equal(refused.status, 403, 'the 2.0 confirmation scopes no longer count')
    const userWithScope = await sim.issueUserToken({
      scopes: ['type=record.action.accept&event=birth,death']
    })
    const user = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      userWithScope
    )
    assert.equal(errorOf(user.item).data.code, 'FORBIDDEN')

    const exchange = await fetch(
      `${sim.authUrl}/token?grant_type=urn:opencrvs:oauth:grant-type:token-exchange`,
      { method: 'POST' }
    )
    assert.equal(((await exchange.json()) as { error: string }).error, 'unsupported_grant_type')

    const response = await fetch(`${sim.authUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=mosip-bridge&client_secret=mosip-bridge-secret'
    })
    const { access_token } = (await response.json()) as { access_token: string }
    const wrongType = await trpc(
      sim,
      'event.actions.correction.approve.accept',
      { ...acceptInput(eventId, actionId), requestId: actionId },
      access_token
    )
    assert.equal(
      wrongType.status,
      400,
      '2.1 binds the confirmation to a pending action of the type'
    )
    const ok = await trpc(
      sim,
      'event.actions.register.accept',
      acceptInput(eventId, actionId),
      access_token
    )
    assert.equal(ok.status, 200)
    const confirmation = sim.getEvent(eventId)?.actions.find((a) => a.originalActionId === actionId)
    assert.equal(confirmation?.createdByUserType, 'system')
  })
})
