import { describe, it, before, after, beforeEach } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import superjson from 'superjson'
import {
  startRecordingServer,
  type RecordedRequest,
  type RecordingServer
} from '@mosip-bridge/test-support'
import {
  OpencrvsEventsClient,
  eventsUrl,
  type OpencrvsEventsClientOptions
} from '../src/integrations/opencrvs/events.client.js'
import { UndefinedInputError, findUndefinedPath } from '../src/integrations/opencrvs/trpc-input.js'
import type { Outcome } from '../src/core/outcome.js'

type Reply = (request: RecordedRequest, response: ServerResponse) => void

/** A fake OpenCRVS gateway: records every request byte for byte and answers with `reply`. */
class FakeGateway {
  reply: Reply = (_request, response) => json(response, 200, [])
  private server: RecordingServer | undefined
  origin = ''

  async start(): Promise<void> {
    this.server = await startRecordingServer((request, response) => this.reply(request, response))
    this.origin = this.server.url
  }

  /** Every request received, in arrival order. */
  get requests(): RecordedRequest[] {
    return this.server?.received ?? []
  }

  last(): RecordedRequest {
    const request = this.requests.at(-1)
    assert.ok(request, 'the gateway received no request')
    return request
  }

  async stop(): Promise<void> {
    await this.server?.close()
  }
}

function json(response: ServerResponse, status: number, body: unknown, headers = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers })
  response.end(JSON.stringify(body))
}

/** What the events service sends for a successful batch call (superjson 1.9 shape). */
const batchResult = (data: unknown) => [{ result: { data: superjson.serialize(data) } }]

/** A tRPC batch error as OpenCRVS's errorFormatter shapes it. */
function trpcError(code: string, jsonRpcCode: number, httpStatus: number, message: string) {
  return [
    {
      error: {
        json: { message, code: jsonRpcCode, data: { code, httpStatus, path: 'x' } }
      }
    }
  ]
}

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'

function action(fields: Record<string, unknown>) {
  return {
    id: randomUUID(),
    transactionId: randomUUID(),
    createdAt: '2026-01-05T09:00:00.000Z',
    createdBy: 'u1',
    createdByRole: 'LOCAL_REGISTRAR',
    createdByUserType: 'user',
    declaration: {},
    status: 'Accepted',
    ...fields
  }
}

function eventDocument(eventId: string, actions: Array<Record<string, unknown>>) {
  return {
    id: eventId,
    type: 'birth',
    trackingId: 'B7X2KQ',
    createdAt: '2026-01-05T09:00:00.000Z',
    updatedAt: '2026-01-05T09:20:00.000Z',
    actions: [action({ type: 'CREATE' }), action({ type: 'DECLARE' }), ...actions]
  }
}

function expectCode(outcome: Outcome<unknown>, kind: 'retry' | 'permanent', code: string) {
  assert.equal(outcome.kind, kind, JSON.stringify(outcome))
  assert.equal('code' in outcome ? outcome.code : undefined, code, JSON.stringify(outcome))
}

describe('OpenCRVS events client', () => {
  const gateway = new FakeGateway()
  const eventId = randomUUID()
  const actionId = randomUUID()
  const transactionId = `mosip-interop-${randomUUID()}`

  before(() => gateway.start())
  after(() => gateway.stop())
  beforeEach(() => {
    gateway.requests.length = 0
  })

  const client = (options: Partial<OpencrvsEventsClientOptions> = {}) =>
    new OpencrvsEventsClient({ gatewayUrl: gateway.origin, timeoutMs: 2000, ...options })

  const accepted = () =>
    eventDocument(eventId, [
      action({ id: actionId, type: 'REGISTER', status: 'Requested' }),
      action({
        type: 'REGISTER',
        status: 'Accepted',
        originalActionId: actionId,
        registrationNumber: 'PD9TL0RL12RO'
      })
    ])

  describe('URLs', () => {
    it('joins the gateway URL with or without a path and a trailing slash', () => {
      const cases: Array<[string, string]> = [
        ['http://gw:7070', 'http://gw:7070/events/event.get'],
        ['http://gw:7070/', 'http://gw:7070/events/event.get'],
        ['https://gw.example/api', 'https://gw.example/api/events/event.get'],
        ['https://gw.example/api/', 'https://gw.example/api/events/event.get'],
        ['https://gw.example/a/b?x=1#y', 'https://gw.example/a/b/events/event.get']
      ]
      for (const [gatewayUrl, expected] of cases) {
        assert.equal(eventsUrl(gatewayUrl, 'event.get').toString(), expected, gatewayUrl)
      }
    })
  })

  describe('wire format', () => {
    it('sends register.accept as a tRPC batch mutation, byte for byte', async () => {
      gateway.reply = (_request, response) => json(response, 200, batchResult(accepted()))
      const outcome = await client().acceptRegistration(TOKEN, {
        eventId,
        actionId,
        transactionId,
        registrationNumber: 'PD9TL0RL12RO',
        declaration: { 'child.nid': '7493017324' }
      })
      assert.deepEqual(outcome, { kind: 'ok', value: undefined })
      const request = gateway.last()
      assert.equal(request.method, 'POST')
      assert.equal(request.url, '/events/event.actions.register.accept?batch=1')
      assert.equal(request.headers['content-type'], 'application/json')
      assert.equal(request.headers.authorization, `Bearer ${TOKEN}`)
      assert.equal(
        request.body,
        `{"0":{"json":{"transactionId":"${transactionId}","eventId":"${eventId}","actionId":"${actionId}","registrationNumber":"PD9TL0RL12RO","declaration":{"child.nid":"7493017324"}}}}`
      )
    })

    it('keeps a path on the gateway URL', async () => {
      gateway.reply = (_request, response) => json(response, 200, batchResult(accepted()))
      for (const gatewayUrl of [`${gateway.origin}/gateway`, `${gateway.origin}/gateway/`]) {
        const outcome = await client({ gatewayUrl }).rejectRegistration(TOKEN, {
          eventId,
          actionId,
          transactionId
        })
        assert.equal(outcome.kind, 'permanent') // the fake answers with an accepted action
        assert.equal(gateway.last().url, '/gateway/events/event.actions.register.reject?batch=1')
      }
    })

    it('leaves absent values out instead of sending undefined (no superjson meta)', async () => {
      gateway.reply = (_request, response) => json(response, 200, batchResult(accepted()))
      const declaration = { 'child.nid': undefined } as unknown as Record<string, string>
      await client().acceptRegistration(TOKEN, {
        eventId,
        actionId,
        transactionId,
        registrationNumber: 'PD9TL0RL12RO',
        declaration
      })
      const body = gateway.last().body
      assert.ok(!body.includes('meta'), body)
      assert.ok(!body.includes('null'), body)
      assert.deepEqual(JSON.parse(body), {
        '0': {
          json: {
            transactionId,
            eventId,
            actionId,
            registrationNumber: 'PD9TL0RL12RO',
            declaration: {}
          }
        }
      })
    })

    it('refuses to send an input holding undefined in development', async () => {
      const requestsBefore = gateway.requests.length
      await assert.rejects(
        client().mutate('event.actions.register.accept', TOKEN, {
          eventId,
          declaration: { 'child.nid': undefined }
        }),
        (error: unknown) =>
          error instanceof UndefinedInputError &&
          error.path === 'input["declaration"]["child.nid"]' &&
          error.code === 'OPENCRVS_UNDEFINED_INPUT'
      )
      assert.equal(gateway.requests.length, requestsBefore, 'nothing was sent')
    })

    it('omits undefined values and warns in production', async () => {
      gateway.reply = (_request, response) => json(response, 200, batchResult(accepted()))
      const warnings: unknown[] = []
      const logger = { warn: (obj: unknown) => warnings.push(obj), debug: () => undefined }
      await client({ strictInputs: false, logger }).mutate('event.actions.register.reject', TOKEN, {
        eventId,
        keepAssignment: undefined
      })
      assert.equal(gateway.last().body, `{"0":{"json":{"eventId":"${eventId}"}}}`)
      assert.deepEqual(warnings[0], {
        procedure: 'event.actions.register.reject',
        path: 'input["keepAssignment"]'
      })
    })

    it('sends register.reject and correction.approve.accept inputs', async () => {
      const requestCorrectionId = randomUUID()
      gateway.reply = (request, response) =>
        json(
          response,
          200,
          batchResult(
            eventDocument(eventId, [
              action({ id: actionId, type: 'REGISTER', status: 'Requested' }),
              action({
                type: 'REGISTER',
                status: request.url.includes('reject') ? 'Rejected' : 'Accepted',
                originalActionId: actionId
              })
            ])
          )
        )
      assert.equal(
        (await client().rejectRegistration(TOKEN, { eventId, actionId, transactionId })).kind,
        'ok'
      )
      assert.equal(
        gateway.last().body,
        `{"0":{"json":{"transactionId":"${transactionId}","eventId":"${eventId}","actionId":"${actionId}"}}}`
      )
      const approved = await client().approveCorrection(TOKEN, {
        eventId,
        actionId,
        transactionId,
        requestId: requestCorrectionId,
        declaration: { 'child.nid': '7493017324' }
      })
      assert.equal(approved.kind, 'ok')
      assert.equal(gateway.last().url, '/events/event.actions.correction.approve.accept?batch=1')
      assert.equal(
        gateway.last().body,
        `{"0":{"json":{"transactionId":"${transactionId}","eventId":"${eventId}","actionId":"${actionId}","requestId":"${requestCorrectionId}","declaration":{"child.nid":"7493017324"}}}}`
      )
    })

    it('sends event.get as a batch GET with the input in the query string', async () => {
      gateway.reply = (_request, response) => json(response, 200, batchResult(accepted()))
      await client().getEvent(TOKEN, eventId)
      const request = gateway.last()
      assert.equal(request.method, 'GET')
      assert.equal(
        request.url,
        `/events/event.get?batch=1&input=${encodeURIComponent(`{"0":{"json":{"eventId":"${eventId}"}}}`)}`
      )
      assert.equal(request.headers.authorization, `Bearer ${TOKEN}`)
      assert.equal(request.body, '')

      await client({ eventGetInput: 'bare-id' }).getEvent(TOKEN, eventId)
      const input = new URL(gateway.last().url, gateway.origin).searchParams.get('input')
      assert.equal(input, `{"0":{"json":"${eventId}"}}`)
    })
  })

  describe('answers', () => {
    const accept = (options: Partial<OpencrvsEventsClientOptions> = {}) =>
      client(options).acceptRegistration(TOKEN, {
        eventId,
        actionId,
        transactionId,
        registrationNumber: 'PD9TL0RL12RO',
        declaration: {}
      })

    it('classifies tRPC batch errors and gateway errors', async () => {
      const cases: Array<[string, Reply, 'retry' | 'permanent', string]> = [
        [
          'FORBIDDEN',
          (_q, r) =>
            json(
              r,
              403,
              trpcError('FORBIDDEN', -32003, 403, 'Missing required scopes for action confirmation')
            ),
          'permanent',
          'OPENCRVS_FORBIDDEN'
        ],
        [
          'NOT_FOUND',
          (_q, r) => json(r, 404, trpcError('NOT_FOUND', -32004, 404, 'Action not found.')),
          'permanent',
          'OPENCRVS_NOT_FOUND'
        ],
        [
          'UNAUTHORIZED',
          (_q, r) => json(r, 401, trpcError('UNAUTHORIZED', -32001, 401, 'Authentication failed')),
          'permanent',
          'OPENCRVS_TOKEN_REFUSED'
        ],
        [
          'BAD_REQUEST',
          (_q, r) =>
            json(
              r,
              400,
              trpcError('BAD_REQUEST', -32600, 400, 'Action has already been rejected.')
            ),
          'permanent',
          'OPENCRVS_BAD_REQUEST'
        ],
        [
          'CONFLICT',
          (_q, r) => json(r, 409, trpcError('CONFLICT', -32009, 409, 'busy')),
          'retry',
          'OPENCRVS_CONFLICT'
        ],
        [
          'INTERNAL_SERVER_ERROR',
          (_q, r) =>
            json(r, 500, trpcError('INTERNAL_SERVER_ERROR', -32603, 500, 'Internal server error')),
          'retry',
          'OPENCRVS_INTERNAL_SERVER_ERROR'
        ],
        [
          'Boom 401 from the gateway',
          (_q, r) =>
            json(r, 401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' }),
          'permanent',
          'OPENCRVS_TOKEN_REFUSED'
        ],
        [
          '503 from a proxy',
          (_q, r) => {
            r.writeHead(503, { 'content-type': 'text/html' })
            r.end('<html>Service Unavailable</html>')
          },
          'retry',
          'OPENCRVS_HTTP_503'
        ],
        [
          '200 that is not tRPC',
          (_q, r) => {
            r.writeHead(200, { 'content-type': 'text/html' })
            r.end('<html>welcome</html>')
          },
          'retry',
          'OPENCRVS_UNEXPECTED_ANSWER'
        ]
      ]
      for (const [name, reply, kind, code] of cases) {
        gateway.reply = reply
        const outcome = await accept()
        assert.equal(outcome.kind, kind, `${name}: ${JSON.stringify(outcome)}`)
        assert.equal('code' in outcome ? outcome.code : undefined, code, name)
      }
    })

    it('keeps the tRPC message in the reason', async () => {
      gateway.reply = (_q, r) =>
        json(
          r,
          403,
          trpcError('FORBIDDEN', -32003, 403, 'Missing required scopes for action confirmation')
        )
      const outcome = await accept()
      assert.equal(
        outcome.kind !== 'ok' && outcome.reason,
        'OpenCRVS answered FORBIDDEN (HTTP 403): Missing required scopes for action confirmation'
      )
    })

    it('honours Retry-After on 429', async () => {
      gateway.reply = (_q, r) => json(r, 429, { message: 'slow down' }, { 'retry-after': '7' })
      const outcome = await accept()
      assert.deepEqual(
        { kind: outcome.kind, afterMs: outcome.kind === 'retry' ? outcome.afterMs : undefined },
        { kind: 'retry', afterMs: 7000 }
      )
    })

    it('retries when nothing answers: connection refused and timeout', async () => {
      expectCode(
        await accept({ gatewayUrl: 'http://127.0.0.1:1' }),
        'retry',
        'OPENCRVS_UNREACHABLE'
      )
      gateway.reply = () => undefined // never answers
      const timedOut = await accept({ timeoutMs: 100 })
      expectCode(timedOut, 'retry', 'OPENCRVS_UNREACHABLE')
      assert.match(timedOut.kind === 'retry' ? timedOut.reason : '', /TIMEOUT/)
    })

    it('treats an accept answered with a rejected action as permanent', async () => {
      gateway.reply = (_q, r) =>
        json(
          r,
          200,
          batchResult(
            eventDocument(eventId, [
              action({ id: actionId, type: 'REGISTER', status: 'Requested' }),
              action({ type: 'REGISTER', status: 'Rejected', originalActionId: actionId })
            ])
          )
        )
      expectCode(await accept(), 'permanent', 'OPENCRVS_ACTION_ALREADY_REJECTED')
    })
  })

  describe('pending action', () => {
    const serve = (document: unknown) => {
      gateway.reply = (_q, r) => json(r, 200, batchResult(document))
    }

    it('finds the Requested REGISTER action', async () => {
      serve(
        eventDocument(eventId, [action({ id: actionId, type: 'REGISTER', status: 'Requested' })])
      )
      assert.deepEqual(await client().pendingAction(TOKEN, eventId), {
        kind: 'ok',
        value: { actionId, actionType: 'REGISTER', eventType: 'birth' }
      })
    })

    it('returns null when nothing is pending and after an accept', async () => {
      serve(eventDocument(eventId, [action({ type: 'REGISTER', status: 'Accepted' })]))
      assert.deepEqual(await client().pendingAction(TOKEN, eventId), { kind: 'ok', value: null })
      serve(accepted())
      assert.deepEqual(await client().pendingAction(TOKEN, eventId), { kind: 'ok', value: null })
    })

    it('returns the requestId of a pending APPROVE_CORRECTION', async () => {
      const requestId = randomUUID()
      serve(
        eventDocument(eventId, [
          action({ type: 'REGISTER', status: 'Accepted' }),
          action({ id: requestId, type: 'REQUEST_CORRECTION', status: 'Accepted' }),
          action({ id: actionId, type: 'APPROVE_CORRECTION', status: 'Requested', requestId })
        ])
      )
      assert.deepEqual(await client().pendingAction(TOKEN, eventId), {
        kind: 'ok',
        value: { actionId, actionType: 'APPROVE_CORRECTION', eventType: 'birth', requestId }
      })
    })

    it('reports several pending actions unless the expected one is among them', async () => {
      const dangling = randomUUID()
      serve(
        eventDocument(eventId, [
          action({ id: dangling, type: 'REGISTER', status: 'Requested' }),
          action({ id: actionId, type: 'REGISTER', status: 'Requested' })
        ])
      )
      expectCode(
        await client().pendingAction(TOKEN, eventId),
        'permanent',
        'OPENCRVS_SEVERAL_PENDING_ACTIONS'
      )
      const preferred = await client().pendingAction(TOKEN, eventId, { preferActionId: actionId })
      assert.equal(preferred.kind === 'ok' && preferred.value?.actionId, actionId)
    })

    it('passes event.get errors through', async () => {
      gateway.reply = (_q, r) =>
        json(r, 404, trpcError('NOT_FOUND', -32004, 404, 'Event not found'))
      expectCode(await client().pendingAction(TOKEN, eventId), 'permanent', 'OPENCRVS_NOT_FOUND')
    })
  })

  describe('superjson results', () => {
    it('deserialises Date values (superjson 1.9 and 2 annotations)', async () => {
      const document = accepted()
      const legacy = [
        {
          result: {
            data: {
              json: document,
              meta: { values: { createdAt: ['Date'], 'actions.0.createdAt': ['Date'] } }
            }
          }
        }
      ]
      gateway.reply = (_q, r) => json(r, 200, legacy)
      const first = await client().getEvent(TOKEN, eventId)
      assert.ok(first.kind === 'ok')
      assert.ok(first.value.createdAt instanceof Date)
      assert.equal((first.value.createdAt as Date).toISOString(), document.createdAt)
      assert.ok(first.value.actions[0]?.createdAt instanceof Date)
      assert.equal(typeof first.value.updatedAt, 'string')

      gateway.reply = (_q, r) =>
        json(r, 200, batchResult({ ...document, updatedAt: new Date(document.updatedAt) }))
      const second = await client().getEvent(TOKEN, eventId)
      assert.ok(second.kind === 'ok')
      assert.ok(second.value.updatedAt instanceof Date)
    })

    it('reads the non-batch answer shape too', async () => {
      gateway.reply = (_q, r) => json(r, 200, { result: { data: { json: accepted() } } })
      const outcome = await client().getEvent(TOKEN, eventId)
      assert.equal(outcome.kind === 'ok' && outcome.value.id, eventId)
    })
  })

  it('finds undefined anywhere in an input', () => {
    assert.equal(findUndefinedPath({ a: 1, b: [1, { c: 'x' }] }), undefined)
    assert.equal(findUndefinedPath({ a: [1, undefined] }), 'input["a"][1]')
    assert.equal(findUndefinedPath(undefined), 'input')
    assert.equal(findUndefinedPath({ d: new Date(0) }), undefined)
  })
})
