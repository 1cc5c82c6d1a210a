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
      url: '/health',
      headers: {
        authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln',
        'x-request-id': 'req-42'
      }
    })
    const lines = logs.entries()
    assert.ok(lines.some((line) => line.reqId === 'req-42'))
    assert.ok(!logs.text().includes('eyJzdWIiOiJ4In0'))
  })
})
