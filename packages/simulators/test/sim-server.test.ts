import { describe, it, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { SimServer } from '../src/shared/sim-server.js'

describe('SimServer', () => {
  const sim = new SimServer({ name: 'test', random: () => 0 })
  sim.app.post('/echo', { config: { service: 'echo' } }, async (request) => ({
    raw: request.rawBody,
    parsed: request.body
  }))
  let url: string
  before(async () => {
    url = await sim.listen()
  })
  after(() => sim.close())

  it('keeps the raw body and records the request', async () => {
    const raw = '{"b":1,  "a":2}'
    const response = await fetch(`${url}/echo?x=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: raw
    })
    assert.deepEqual(await response.json(), { raw, parsed: { b: 1, a: 2 } })
    const [recorded] = sim.requests('echo')
    assert.equal(recorded?.body, raw)
    assert.equal(recorded?.url, '/echo?x=1')
    const viaApi = (await (await fetch(`${url}/_sim/requests?service=echo`)).json()) as {
      requests: unknown[]
    }
    assert.equal(viaApi.requests.length, 1)
  })

  it('answers malformed JSON with 400', async () => {
    const response = await fetch(`${url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{'
    })
    assert.equal(response.status, 400)
  })

  it('injects errors, latency and resets through the control API', async () => {
    await fetch(`${url}/_sim/faults/echo`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1, errorStatus: 502 })
    })
    assert.equal((await fetch(`${url}/echo`, { method: 'POST' })).status, 502)
    sim.setFaults('echo', { errorRate: 0, latencyMs: 150 })
    const started = Date.now()
    assert.equal((await fetch(`${url}/echo`, { method: 'POST' })).status, 200)
    assert.ok(Date.now() - started >= 140)
    sim.setFaults('echo', { latencyMs: 0, outage: true })
    await assert.rejects(fetch(`${url}/echo`, { method: 'POST' }))
    const bad = await fetch(`${url}/_sim/faults/echo`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 2 })
    })
    assert.equal(bad.status, 400)
    await fetch(`${url}/_sim/faults`, { method: 'DELETE' })
    assert.equal((await fetch(`${url}/echo`, { method: 'POST' })).status, 200)
  })

  it('refuses connections while down and serves again on the same port after', async () => {
    await sim.goDown()
    // A pooled keep-alive connection is dropped; a new one is refused.
    await fetch(`${url}/echo`, { method: 'POST' }).catch(() => undefined)
    await assert.rejects(
      fetch(`${url}/echo`, { method: 'POST' }),
      (error: Error & { cause?: { code?: string } }) => error.cause?.code === 'ECONNREFUSED'
    )
    await sim.comeUp()
    assert.equal((await fetch(`${url}/echo`, { method: 'POST' })).status, 200)
  })
})
