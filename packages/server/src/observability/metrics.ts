import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { ReadinessReport } from '../core/dependency-state.js'
import type { OperatorQueries } from '../store/operator-queries.js'
import { REGISTRATION_STATES } from '../core/registration-state.js'

interface MetricsSources {
  operator: OperatorQueries
  /** State of the WebSub subscription loop. */
  subscription?: () => { lastSuccessAt: Date | null }
  /** State of the workflow-completed subscription loop, when that topic is subscribed. */
  workflowSubscription?: () => { lastSuccessAt: Date | null }
  /** The state of every dependency, as /ready reports it. */
  dependencies?: () => Promise<ReadinessReport>
  /** The bridge's version, for `mosip_bridge_build_info`. */
  version?: string
  /** MOSIP_STALL_ALERT_SECONDS, in ms: a registration waiting on MOSIP longer is stalled. */
  stallAlertMs: number
  clock?: () => number
}

/**
 * Prometheus metrics computed from the state of the store at scrape time: where registrations
 * stand, how much work is queued or dead, which deliveries could not be used, and whether the
 * WebSub subscription is current. Nothing is counted in memory, so every instance reports the
 * same truth and a restart loses nothing.
 */
export function createMetrics(sources: MetricsSources): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'mosip_bridge_' })
  const clock = sources.clock ?? Date.now

  new Gauge({
    name: 'mosip_bridge_build_info',
    help: 'Always 1; the labels say which bridge and Node.js versions run',
    labelNames: ['version', 'node'],
    registers: [registry]
  }).set({ version: sources.version ?? 'unknown', node: process.versions.node }, 1)

  new Gauge({
    name: 'mosip_bridge_registrations',
    help: 'Registrations by state',
    labelNames: ['state', 'kind'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      const rows = await sources.operator.countByStateAndKind()
      for (const state of REGISTRATION_STATES) {
        for (const kind of ['birth', 'death', 'update']) this.set({ state, kind }, 0)
      }
      for (const row of rows) this.set({ state: row.state, kind: row.kind }, row.count)
    }
  })

  new Gauge({
    name: 'mosip_bridge_needs_attention',
    help: 'Registrations waiting for an operator, by the reason they were handed over for',
    labelNames: ['reason'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      for (const row of await sources.operator.countNeedingAttentionByReason()) {
        this.set({ reason: row.reason }, row.count)
      }
    }
  })

  new Gauge({
    name: 'mosip_bridge_registrations_stalled',
    help: 'Registrations waiting on MOSIP (submitted) for longer than MOSIP_STALL_ALERT_SECONDS',
    registers: [registry],
    async collect() {
      this.set(await sources.operator.countStalled(clock() - sources.stallAlertMs))
    }
  })

  new Gauge({
    name: 'mosip_bridge_registrations_mosip_status',
    help: "Registrations waiting on MOSIP (submitted), by MOSIP's last answer about them (NOT_CHECKED: not asked yet)",
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      for (const row of await sources.operator.countSubmittedByMosipStatus()) {
        this.set({ status: row.status ?? 'NOT_CHECKED' }, row.count)
      }
    }
  })

  new Gauge({
    name: 'mosip_bridge_oldest_unfinished_registration_seconds',
    help: 'Age of the oldest registration not yet confirmed, completed or rejected',
    registers: [registry],
    async collect() {
      const oldest = await sources.operator.oldestUnfinishedCreatedAt()
      this.set(oldest === undefined ? 0 : Math.max(0, (clock() - oldest) / 1000))
    }
  })

  new Gauge({
    name: 'mosip_bridge_tokens_expiring',
    help: 'Unfinished registrations whose stored OpenCRVS token expires within the window (the action token lives 7 days; after it, the registration cannot be confirmed with it)',
    labelNames: ['within'] as const,
    registers: [registry],
    async collect() {
      const now = clock()
      for (const [label, ms] of [
        ['24h', 86_400_000],
        ['72h', 3 * 86_400_000]
      ] as const) {
        this.set({ within: label }, await sources.operator.countTokensExpiringBefore(now + ms))
      }
    }
  })

  new Gauge({
    name: 'mosip_bridge_jobs',
    help: 'Background jobs by task and state',
    labelNames: ['task', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      for (const row of await sources.operator.countUnfinishedJobs()) {
        this.set({ task: row.task, state: row.state }, row.count)
      }
    }
  })

  new Gauge({
    name: 'mosip_bridge_websub_deliveries',
    help: 'MOSIP WebSub deliveries by state (unmatched and undecryptable ones wait for an operator)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      for (const row of await sources.operator.countDeliveriesByState()) {
        this.set({ state: row.state }, row.count)
      }
    }
  })

  new Gauge({
    name: 'mosip_bridge_websub_subscription_age_seconds',
    help: 'Time since the last successful subscription at the MOSIP hub (-1: never)',
    registers: [registry],
    collect() {
      const last = sources.subscription?.().lastSuccessAt
      this.set(last ? (clock() - last.getTime()) / 1000 : -1)
    }
  })

  if (sources.workflowSubscription) {
    const status = sources.workflowSubscription
    new Gauge({
      name: 'mosip_bridge_websub_workflow_subscription_age_seconds',
      help: "Time since the last successful subscription to MOSIP's workflow-completed topic (-1: never)",
      registers: [registry],
      collect() {
        const last = status().lastSuccessAt
        this.set(last ? (clock() - last.getTime()) / 1000 : -1)
      }
    })
  }

  if (sources.dependencies) {
    const dependencies = sources.dependencies
    new Gauge({
      name: 'mosip_bridge_dependency_up',
      help: 'State of each dependency: 1 up, 0 down, -1 unknown (not tried yet); see /ready',
      labelNames: ['dependency', 'required'],
      registers: [registry],
      async collect() {
        this.reset()
        for (const dependency of (await dependencies()).dependencies) {
          this.set(
            { dependency: dependency.name, required: String(dependency.required) },
            dependency.status === 'up' ? 1 : dependency.status === 'down' ? 0 : -1
          )
        }
      }
    })
  }

  return registry
}

/**
 * Events counted as they happen (per instance; Prometheus sums and rates them): what the store
 * does not keep, such as deliveries refused before anything was stored.
 */
export interface BridgeCounters {
  /** A WebSub delivery refused for a missing or wrong X-Hub-Signature. */
  websubSignatureFailures: Counter
}

export function createCounters(registry: Registry): BridgeCounters {
  return {
    websubSignatureFailures: new Counter({
      name: 'mosip_bridge_websub_signature_failures_total',
      help: 'WebSub deliveries refused for a missing or wrong X-Hub-Signature (a changed MOSIP_WEBSUB_SECRET, or someone else posting)',
      registers: [registry]
    })
  }
}
