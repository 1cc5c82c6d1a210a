import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  classifyOpencrvs,
  classifyOpencrvsAuth,
  readTrpcAnswer
} from '../src/core/opencrvs-outcome.js'
import type { HttpExchange, Outcome } from '../src/core/outcome.js'

const NOW = Date.parse('2026-01-05T09:00:00.000Z')

const trpcError = (code: string | undefined, jsonRpcCode: number, httpStatus?: number) => [
  {
    error: {
      json: {
        message: `${code ?? 'no code'} message`,
        code: jsonRpcCode,
        data: code === undefined ? {} : { code, httpStatus }
      }
    }
  }
]

const summary = (outcome: Outcome<unknown>) =>
  outcome.kind === 'ok' ? 'ok' : `${outcome.kind} ${outcome.code}`

describe('classifyOpencrvs', () => {
  const table: Array<[string, HttpExchange, string]> = [
    ['batch result', { status: 200, body: [{ result: { data: { json: { id: 'e' } } } }] }, 'ok'],
    ['single result', { status: 200, body: { result: { data: { json: 1 } } } }, 'ok'],
    [
      'connection refused',
      { error: Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }) },
      'retry OPENCRVS_UNREACHABLE'
    ],
    [
      'UNAUTHORIZED',
      { status: 401, body: trpcError('UNAUTHORIZED', -32001, 401) },
      'permanent OPENCRVS_TOKEN_REFUSED'
    ],
    [
      'FORBIDDEN',
      { status: 403, body: trpcError('FORBIDDEN', -32003, 403) },
      'permanent OPENCRVS_FORBIDDEN'
    ],
    [
      'NOT_FOUND',
      { status: 404, body: trpcError('NOT_FOUND', -32004, 404) },
      'permanent OPENCRVS_NOT_FOUND'
    ],
    [
      'CONFLICT',
      { status: 409, body: trpcError('CONFLICT', -32009, 409) },
      'retry OPENCRVS_CONFLICT'
    ],
    [
      'BAD_REQUEST',
      { status: 400, body: trpcError('BAD_REQUEST', -32600, 400) },
      'permanent OPENCRVS_BAD_REQUEST'
    ],
    [
      'PARSE_ERROR',
      { status: 400, body: trpcError('PARSE_ERROR', -32700, 400) },
      'permanent OPENCRVS_PARSE_ERROR'
    ],
    [
      'UNSUPPORTED_MEDIA_TYPE',
      { status: 415, body: trpcError('UNSUPPORTED_MEDIA_TYPE', -32015, 415) },
      'permanent OPENCRVS_UNSUPPORTED_MEDIA_TYPE'
    ],
    [
      'INTERNAL_SERVER_ERROR',
      { status: 500, body: trpcError('INTERNAL_SERVER_ERROR', -32603, 500) },
      'retry OPENCRVS_INTERNAL_SERVER_ERROR'
    ],
    [
      'TOO_MANY_REQUESTS',
      { status: 429, body: trpcError('TOO_MANY_REQUESTS', -32029, 429) },
      'retry OPENCRVS_THROTTLED'
    ],
    [
      'code only by number',
      { status: 403, body: trpcError(undefined, -32003) },
      'permanent OPENCRVS_FORBIDDEN'
    ],
    [
      'mixed batch (207) with an error first',
      { status: 207, body: trpcError('NOT_FOUND', -32004, 404) },
      'permanent OPENCRVS_NOT_FOUND'
    ],
    [
      'gateway Boom 401',
      { status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' } },
      'permanent OPENCRVS_TOKEN_REFUSED'
    ],
    [
      'gateway Boom 403',
      { status: 403, body: { statusCode: 403, error: 'Forbidden' } },
      'permanent OPENCRVS_FORBIDDEN'
    ],
    [
      'gateway 404',
      { status: 404, body: { statusCode: 404, error: 'Not Found' } },
      'permanent OPENCRVS_NOT_FOUND'
    ],
    ['proxy 502', { status: 502, body: '<html>Bad Gateway</html>' }, 'retry OPENCRVS_HTTP_502'],
    ['proxy 503', { status: 503 }, 'retry OPENCRVS_HTTP_503'],
    ['plain 429', { status: 429, body: 'slow down' }, 'retry OPENCRVS_THROTTLED'],
    ['plain 408', { status: 408 }, 'retry OPENCRVS_HTTP_408'],
    ['plain 409', { status: 409 }, 'retry OPENCRVS_CONFLICT'],
    ['plain 400', { status: 400, body: 'bad' }, 'permanent OPENCRVS_BAD_REQUEST'],
    ['plain 413', { status: 413 }, 'permanent OPENCRVS_HTTP_413'],
    ['200 HTML', { status: 200, body: '<html></html>' }, 'retry OPENCRVS_UNEXPECTED_ANSWER'],
    ['200 empty', { status: 200 }, 'retry OPENCRVS_UNEXPECTED_ANSWER']
  ]
  for (const [name, exchange, expected] of table) {
    it(`${name} → ${expected}`, () => {
      assert.equal(summary(classifyOpencrvs(exchange, NOW)), expected)
    })
  }

  it('passes the serialised result data through', () => {
    const data = {
      json: { createdAt: '2026-01-05T09:00:00.000Z' },
      meta: { values: { createdAt: ['Date'] } }
    }
    assert.deepEqual(classifyOpencrvs({ status: 200, body: [{ result: { data } }] }, NOW), {
      kind: 'ok',
      value: data
    })
  })

  it('uses Retry-After on throttling and server errors', () => {
    const outcome = classifyOpencrvs({ status: 503, retryAfter: '3' }, NOW)
    assert.equal(outcome.kind === 'retry' && outcome.afterMs, 3000)
    const throttled = classifyOpencrvs(
      { status: 429, retryAfter: '2', body: trpcError('TOO_MANY_REQUESTS', -32029, 429) },
      NOW
    )
    assert.equal(throttled.kind === 'retry' && throttled.afterMs, 2000)
  })

  it('writes short, single-line reasons', () => {
    const long = [
      {
        error: {
          json: {
            message: `line\n${'x'.repeat(500)}`,
            code: -32600,
            data: { code: 'BAD_REQUEST', httpStatus: 400 }
          }
        }
      }
    ]
    const outcome = classifyOpencrvs({ status: 400, body: long }, NOW)
    assert.ok(outcome.kind === 'permanent')
    assert.ok(!outcome.reason.includes('\n'))
    assert.ok(outcome.reason.length < 260, String(outcome.reason.length))
    const boom = classifyOpencrvs(
      { status: 401, body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' } },
      NOW
    )
    assert.equal(
      boom.kind === 'permanent' && boom.reason,
      'OpenCRVS answered HTTP 401: Unauthorized: Invalid token'
    )
  })
})

describe('readTrpcAnswer', () => {
  it('reads results, errors and anything else', () => {
    assert.deepEqual(readTrpcAnswer([{ result: { data: { json: 1 } } }]), {
      kind: 'result',
      data: { json: 1 }
    })
    assert.deepEqual(readTrpcAnswer(trpcError('FORBIDDEN', -32003, 403)), {
      kind: 'error',
      error: {
        code: 'FORBIDDEN',
        jsonRpcCode: -32003,
        httpStatus: 403,
        message: 'FORBIDDEN message'
      }
    })
    assert.deepEqual(readTrpcAnswer({ statusCode: 401, error: 'Unauthorized' }), { kind: 'none' })
    assert.deepEqual(readTrpcAnswer('text'), { kind: 'none' })
    assert.deepEqual(readTrpcAnswer([]), { kind: 'none' })
  })
})

describe('classifyOpencrvsAuth', () => {
  const table: Array<[string, HttpExchange, string]> = [
    ['token', { status: 200, body: { access_token: 'jwt', token_type: 'Bearer' } }, 'ok'],
    ['200 without token', { status: 200, body: {} }, 'retry OPENCRVS_UNEXPECTED_ANSWER'],
    [
      'invalid_client',
      { status: 401, body: { error: 'invalid_client' } },
      'permanent OPENCRVS_CLIENT_REFUSED'
    ],
    [
      'unauthorized_client',
      {
        status: 401,
        body: { error: 'unauthorized_client', error_description: 'Invalid subject token' }
      },
      'permanent OPENCRVS_TOKEN_EXCHANGE_REFUSED'
    ],
    [
      'invalid_request',
      { status: 400, body: { error: 'invalid_request' } },
      'permanent OPENCRVS_AUTH_REQUEST_REFUSED'
    ],
    [
      'unsupported_grant_type',
      { status: 400, body: { error: 'unsupported_grant_type' } },
      'permanent OPENCRVS_AUTH_REQUEST_REFUSED'
    ],
    ['500', { status: 500 }, 'retry OPENCRVS_AUTH_HTTP_500'],
    ['429', { status: 429 }, 'retry OPENCRVS_AUTH_THROTTLED'],
    ['no answer', { error: new Error('socket hang up') }, 'retry OPENCRVS_AUTH_UNREACHABLE']
  ]
  for (const [name, exchange, expected] of table) {
    it(`${name} → ${expected}`, () => {
      assert.equal(summary(classifyOpencrvsAuth(exchange, NOW)), expected)
    })
  }

  it('returns the access token', () => {
    assert.deepEqual(classifyOpencrvsAuth({ status: 200, body: { access_token: 'jwt' } }, NOW), {
      kind: 'ok',
      value: 'jwt'
    })
  })
})
