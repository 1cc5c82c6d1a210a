/**
 * The measured metrics: partner calls observed in `exchange` (the one place every partner call
 * goes through), HTTP requests by route template, the cache that bounds what a scrape costs,
 * and the METRICS_PORT listener.
 */
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import pino from 'pino'
import { Registry } from 'prom-client'
import {
  closedPort,
  sendJson,
  startRecordingServer,
  type RecordingServer
} from '@mosip-bridge/test-support'
import {
  exchange,
  observeExchanges,
  type CallOutcome,
  type PartnerCall
} from '../src/integrations/http-exchange.js'
import { buildApp } from '../src/http/build-app.js'
import { listenForMetrics } from '../src/http/metrics-listener.js'
import { createInstruments, createMetrics } from '../src/observability/metrics.js'
import type { OperatorQueries } from '../src/store/operator-queries.js'
import type { Store } from '../src/store/database.js'

const silent = pino({ level: 'silent' })

describe('partner-call metrics', () => {
  let server: RecordingServer
  before(async () => {
    server = await startRecordingServer(() => undefined)
  })
  after(() => server.close())

  it('observes every call with its partner, operation and outcome', async () => {
    const seen: Array<{ call: PartnerCall; outcome: CallOutcome; seconds: number }> = []
    const stop = observeExchanges((call, outcome, seconds) => seen.push({ call, outcome, seconds }))
    try {
      const call: PartnerCall = { partner: 'packet_manager', operation: 'create_packet' }
      server.handle((_r, res) => sendJson(res, 200, { response: {} }))
      await exchange(server.url, { timeoutMs: 2000, call })
      server.handle((_r, res) => sendJson(res, 401, {}))
      await exchange(server.url, { timeoutMs: 2000, call })
      server.handle((_r, res) => sendJson(res, 503, {}))
      await exchange(server.url, { timeoutMs: 2000, call })
      server.handle(() => undefined) // never answers
      await exchange(server.url, { timeoutMs: 50, call })
      await exchange(`http://127.0.0.1:${await closedPort()}/`, { timeoutMs: 2000, call })
      // Through fetch as well (a fetch given explicitly), and without a label.
      server.handle((_r, res) => sendJson(res, 200, {}))
      await exchange(server.url, { timeoutMs: 2000, fetch: (u, i) => fetch(u, i) })
    } finally {
      stop()
    }
    assert.deepEqual(
      seen.map((entry) => entry.outcome),
      ['ok', 'client_error', 'server_error', 'timeout', 'network', 'ok']
    )
    assert.deepEqual(seen[0]!.call, { partner: 'packet_manager', operation: 'create_packet' })
    assert.deepEqual(seen[5]!.call, { partner: 'other', operation: 'other' })
    assert.ok(seen[3]!.seconds >= 0.04, 'the timeout took its time')
    // Stopped: no longer told.
    await exchange(server.url, { timeoutMs: 2000 })
    assert.equal(seen.length, 6)
  })

  it('an observer that throws changes nothing for the caller', async () => {
    const stop = observeExchanges(() => {
      throw new Error('broken observer')
    })
    try {
      server.handle((_r, res) => sendJson(res, 200, { ok: true }))
      const answer = await exchange(server.url, { timeoutMs: 2000 })
      assert.deepEqual(answer.body, { ok: true })
    } finally {
      stop()
    }
  })

  it('the histogram takes partner, operation and outcome labels', async () => {
    const instruments = createInstruments()
    instruments.partnerCalls.observe(
      { partner: 'mosip_auth', operation: 'login', outcome: 'timeout' },
      0.3
    )
    const text = await instruments.registry.metrics()
    assert.match(
      text,
      /mosip_bridge_partner_call_duration_seconds_count\{partner="mosip_auth",operation="login",outcome="timeout"\} 1/
    )
    assert.match(text, /mosip_bridge_partner_call_duration_seconds_bucket\{le="0\.5",/)
  })
})

/** An OperatorQueries that counts how often the store is asked. */
function countingQueries(): { queries: OperatorQueries; reads: () => number } {
  let reads = 0
  const answer =
    <T>(value: T) =>
    async () => {
      reads++
      await new Promise((resolve) => setTimeout(resolve, 5))
      return value
    }
  const queries = {
    countByStateAndKind: answer([{ state: 'received', kind: 'birth', count: 2 }]),
    countNeedingAttentionByReason: answer([]),
    countStalled: answer(0),
    countSubmittedByMosipStatus: answer([]),
    oldestUnfinishedCreatedAt: answer(undefined),
    countTokensExpiringBefore: answer(1),
    countUnfinishedJobs: answer([]),
    countDeliveriesByState: answer([])
  } as unknown as OperatorQueries
  return { queries, reads: () => reads }
}

describe('scrape cost', () => {
  it('two scrapes within the cache window read the store once; a later one reads again', async () => {
    let now = 1_000_000
    const { queries, reads } = countingQueries()
    const registry = createMetrics({
      operator: queries,
      stallAlertMs: 1000,
      cacheMs: 5000,
      clock: () => now
    })
    const first = await registry.metrics()
    const perScrape = reads()
    // Nine figures: one read each, whatever the number of gauges showing them.
    assert.equal(perScrape, 9)
    assert.match(first, /mosip_bridge_registrations\{state="received",kind="birth"\} 2/)
    now += 4000
    // Concurrent scrapes within the window: still one read.
    await Promise.all([registry.metrics(), registry.metrics()])
    assert.equal(reads(), perScrape)
    now += 2000
    await Promise.all([registry.metrics(), registry.metrics()])
    assert.equal(reads(), 2 * perScrape, 'concurrent scrapes after the window share one read')
  })
})

describe('request metrics and METRICS_PORT', () => {
  const instruments = createInstruments()
  const app = buildApp({
    logger: silent,
    store: { dialect: 'sqlite', ping: async () => undefined } as unknown as Store,
    metrics: Registry.merge([new Registry(), instruments.registry]),
    instruments,
    routes: [(a) => a.get('/things/:id', async () => ({ ok: true }))]
  })
  after(() => app.close())

  it('measures requests by route template, never by URL', async () => {
    await app.inject({ method: 'GET', url: '/things/123' })
    await app.inject({ method: 'GET', url: '/things/456' })
    await app.inject({ method: 'GET', url: '/nowhere/789' })
    const text = await instruments.registry.metrics()
    assert.match(
      text,
      /mosip_bridge_http_request_duration_seconds_count\{route="\/things\/:id",method="GET",status_class="2xx"\} 2/
    )
    assert.match(
      text,
      /mosip_bridge_http_request_duration_seconds_count\{route="unmatched",method="GET",status_class="4xx"\} 1/
    )
    assert.doesNotMatch(text, /things\/123|things\/456|nowhere/)
  })

  it('serves /metrics, and only that, on a second port', async () => {
    const listener = await listenForMetrics(app, 0, '127.0.0.1')
    try {
      const metrics = await fetch(`${listener.url}/metrics`)
      assert.equal(metrics.status, 200)
      assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/)
      assert.match(await metrics.text(), /mosip_bridge_http_request_duration_seconds/)
      const other = await fetch(`${listener.url}/things/1`)
      assert.equal(other.status, 404)
      assert.equal(((await other.json()) as { statusCode: number }).statusCode, 404)
    } finally {
      await listener.close()
    }
  })
})
