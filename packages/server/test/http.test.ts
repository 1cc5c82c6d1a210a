import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { LogSink } from '@mosip-bridge/test-support'
import { buildApp } from '../src/http/build-app.js'
import { createLogger } from '../src/observability/logger.js'
import { createMigratedStore, type MigratedStore } from './helpers/databases.js'

describe('HTTP application', () => {
  let ctx: MigratedStore
  let app: FastifyInstance
  const logs = new LogSink()

  before(async () => {
    ctx = await createMigratedStore('sqlite')
    app = buildApp({
      logger: createLogger({ level: 'info', destination: logs }),
      store: ctx.store,
      bodyLimit: 64
    })
    app.get('/test/boom', async () => {
      throw new Error('connection to postgres://bridge:hunter2@db failed')
    })
    app.post('/test/echo', async (request) => ({ received: request.body }))
    await app.ready()
  })
  after(async () => {
    await app?.close()
    await ctx?.drop()
  })

  it('answers liveness and readiness', async () => {
    assert.deepEqual((await app.inject('/health')).json(), { status: 'ok' })
    const ready = await app.inject('/ready')
    assert.equal(ready.statusCode, 200)
    assert.deepEqual(ready.json(), {
      status: 'ready',
      database: 'sqlite',
      dependencies: { database: { required: true, status: 'up', detail: 'sqlite' } }
    })
  })

  it('names the missing route in a 404', async () => {
    const response = await app.inject('/nowhere?x=1')
    assert.equal(response.statusCode, 404)
    assert.equal(response.json().message, 'no route for GET /nowhere')
  })

  it('hides the details of a 500 from the caller', async () => {
    const response = await app.inject('/test/boom')
    assert.equal(response.statusCode, 500)
    assert.deepEqual(response.json(), {
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'internal error'
    })
    assert.ok(!response.body.includes('hunter2'))
  })

  it('answers malformed JSON and oversized bodies with a 4xx naming the problem', async () => {
    const malformed = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"a":'
    })
    assert.equal(malformed.statusCode, 400)
    assert.match(malformed.json().message, /JSON/i)
    const oversized = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ padding: 'x'.repeat(200) })
    })
    assert.equal(oversized.statusCode, 413)
    assert.match(oversized.json().message, /body/i)
  })

  it('logs requests with their id and without authorization headers', async () => {
    await app.inject({
      url: '/nowhere',
      headers: {
        authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
        'x-request-id': 'req-42'
      }
    })
    const lines = logs.entries()
    assert.ok(lines.some((line) => line.reqId === 'req-42'))
    assert.ok(!logs.text().includes('eyJzdWIiOiJ4In0'))
  })

  it("keeps a caller's request id only when short and plain", async () => {
    const odd = 'x'.repeat(65)
    for (const header of [odd, 'has space', 'quote"d', 'line\u2028break']) {
      const response = await app.inject({ url: '/nowhere', headers: { 'x-request-id': header } })
      assert.equal(response.statusCode, 404)
    }
    const ids = logs.entries().map((line) => line.reqId)
    for (const bad of [odd, 'has space', 'quote"d']) assert.ok(!ids.includes(bad), bad)
    assert.ok(ids.some((id) => typeof id === 'string' && /^[0-9a-f-]{36}$/.test(id)))
  })

  it('logs health, readiness and metrics probes only at debug level', async () => {
    const before = logs.entries().length
    await app.inject({ url: '/health', headers: { 'x-request-id': 'probe-1' } })
    await app.inject({ url: '/ready', headers: { 'x-request-id': 'probe-2' } })
    assert.ok(
      !logs
        .entries()
        .slice(before)
        .some((line) => line.reqId === 'probe-1' || line.reqId === 'probe-2')
    )
  })

  it('marks every answer nosniff', async () => {
    for (const url of ['/health', '/nowhere', '/test/boom']) {
      const response = await app.inject({ url })
      assert.equal(response.headers['x-content-type-options'], 'nosniff', url)
    }
  })
})

describe('HTTP application: deep JSON', () => {
  let ctx: MigratedStore
  let app: FastifyInstance

  before(async () => {
    ctx = await createMigratedStore('sqlite')
    app = buildApp({ logger: createLogger({ level: 'silent' }), store: ctx.store })
    app.post('/test/echo', async (request) => ({ received: request.body }))
    await app.ready()
  })
  after(async () => {
    await app?.close()
    await ctx?.drop()
  })

  it('refuses JSON nested deeper than 64 levels with a 400, never a 500', async () => {
    const nested = (depth: number) =>
      '{"requestFields":' + '['.repeat(depth) + '1' + ']'.repeat(depth) + '}'
    const deep = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: nested(5000)
    })
    assert.equal(deep.statusCode, 400)
    assert.match(deep.json().message, /nested deeper than 64 levels/)
    const fine = await app.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: nested(60)
    })
    assert.equal(fine.statusCode, 200)
  })
})
