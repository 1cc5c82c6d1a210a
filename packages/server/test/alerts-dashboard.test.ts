import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { createCounters, createInstruments, createMetrics } from '../src/observability/metrics.js'
import type { OperatorQueries } from '../src/store/operator-queries.js'

const root = fileURLToPath(new URL('../../..', import.meta.url))

/** Every metric the bridge exposes, with the series names Prometheus derives from them. */
function exposedNames(): Set<string> {
  const registry = createMetrics({
    operator: {} as OperatorQueries,
    subscription: () => ({ lastSuccessAt: null }),
    workflowSubscription: () => ({ lastSuccessAt: null }),
    dependencies: async () => ({ ready: true, dependencies: [] }),
    stallAlertMs: 1000
  })
  createCounters(registry)
  createInstruments(registry)
  const names = new Set<string>()
  for (const metric of registry.getMetricsAsArray()) {
    const name = metric.name
    names.add(name)
    for (const suffix of ['_total', '_bucket', '_sum', '_count']) names.add(`${name}${suffix}`)
  }
  return names
}

/** Metric names in PromQL expressions: ours all start with mosip_bridge_. */
function namesIn(expressions: string[]): Set<string> {
  const found = new Set<string>()
  for (const expression of expressions) {
    for (const match of expression.matchAll(/\bmosip_bridge_[a-z0-9_]+/g)) found.add(match[0])
  }
  return found
}

describe('alert rules and dashboard', () => {
  const exposed = exposedNames()

  it('alert rules parse and name only metrics the bridge exposes', () => {
    const rules = parse(
      readFileSync(join(root, 'deploy/prometheus/mosip-bridge-alerts.yaml'), 'utf8')
    ) as { groups: Array<{ rules: Array<{ alert: string; expr: string; labels: object }> }> }
    const all = rules.groups.flatMap((group) => group.rules)
    assert.ok(all.length >= 8)
    for (const rule of all) {
      assert.ok(rule.alert && rule.expr && rule.labels, JSON.stringify(rule))
    }
    const named = namesIn(all.map((rule) => rule.expr))
    for (const name of named) assert.ok(exposed.has(name), `${name} is exposed`)
    // The alerts the operations guide promises.
    for (const alert of [
      'MosipBridgeRegistrationsStalled',
      'MosipBridgeDeadJobs',
      'MosipBridgeSubscriptionStale',
      'MosipBridgeTokensExpiring',
      'MosipBridgeWebsubSignatureFailures',
      'MosipBridgePartnerDown',
      'MosipBridgePartnerErrors'
    ]) {
      assert.ok(
        all.some((rule) => rule.alert === alert),
        alert
      )
    }
    const runbook = readFileSync(join(root, 'docs/operations.md'), 'utf8')
    for (const rule of all) assert.ok(runbook.includes(rule.alert), `runbook for ${rule.alert}`)
  })

  it('the dashboard is valid JSON and names only metrics the bridge exposes', () => {
    const dashboard = JSON.parse(
      readFileSync(join(root, 'deploy/grafana/mosip-bridge-dashboard.json'), 'utf8')
    ) as { panels: Array<{ targets: Array<{ expr: string }> }> }
    const expressions = dashboard.panels.flatMap((panel) => panel.targets.map((t) => t.expr))
    assert.ok(expressions.length >= 10)
    const named = namesIn(expressions)
    assert.ok(named.size >= 10)
    for (const name of named) assert.ok(exposed.has(name), `${name} is exposed`)
  })
})
