/** `exchange`, the one HTTP call every partner client makes, against a recording server. */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  closedPort,
  sendJson,
  startRecordingServer,
  type RecordingServer
} from '@mosip-bridge/test-support'
import { exchange } from '../src/integrations/http-exchange.js'
import { CALL_TIMEOUT_MS } from './helpers/mosip-auth-manager.js'

describe('exchange', () => {
  let server: RecordingServer
  before(async () => {
    server = await startRecordingServer(() => undefined)
  })
  after(() => server.close())

  it('parses JSON, keeps text, treats an empty body as undefined and captures Retry-After', async () => {
    server.handle((_r, res) => sendJson(res, 503, { errors: [] }, { 'Retry-After': '7' }))
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
