import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
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
  /**
   * How long the figures read from the database are reused (ms): scrapes within this window
   * (several Prometheus replicas, a dashboard refresh) cost one set of queries.
   */
  cacheMs?: number
  clock?: () => number
}

/** Default of `cacheMs`: a few seconds, below any sensible scrape interval. */
export const METRICS_CACHE_MS = 5_000

const DAY_MS = 86_400_000

/** Everything the gauges read from the store, read together once per cache window. */
interface StoreFigures {
  byStateAndKind: Array<{ state: string; kind: string; count: number }>
  needingAttention: Array<{ reason: string; count: number }>
  stalled: number
  byMosipStatus: Array<{ status: string | null; count: number }>
  oldestUnfinishedAt: number | undefined
  tokensExpiring24h: number
  tokensExpiring72h: number
  jobs: Array<{ task: string; state: string; count: number }>
  deliveries: Array<{ state: string; count: number }>
  /** The clock when these figures were read. */
  at: number
}

/**
 * The store's figures, read at most once per `cacheMs`: concurrent scrapes share one read, a
 * failed read is not kept.
 */
function cachedStoreFigures(sources: MetricsSources): () => Promise<StoreFigures> {
  const clock = sources.clock ?? Date.now
  const cacheMs = sources.cacheMs ?? METRICS_CACHE_MS
  let held: StoreFigures | undefined
  let inFlight: Promise<StoreFigures> | undefined
  const read = async (): Promise<StoreFigures> => {
    const { operator } = sources
    const at = clock()
    // One after the other: a scrape takes one pooled connection, never the whole pool.
    const byStateAndKind = await operator.countByStateAndKind()
    const needingAttention = await operator.countNeedingAttentionByReason()
    const stalled = await operator.countStalled(at - sources.stallAlertMs)
    const byMosipStatus = await operator.countSubmittedByMosipStatus()
    const oldestUnfinishedAt = await operator.oldestUnfinishedCreatedAt()
    const tokensExpiring24h = await operator.countTokensExpiringBefore(at + DAY_MS)
    const tokensExpiring72h = await operator.countTokensExpiringBefore(at + 3 * DAY_MS)
    const jobs = await operator.countUnfinishedJobs()
    const deliveries = await operator.countDeliveriesByState()
    return {
      byStateAndKind,
      needingAttention,
      stalled,
      byMosipStatus,
      oldestUnfinishedAt,
      tokensExpiring24h,
      tokensExpiring72h,
      jobs,
      deliveries,
      at
    }
  }
  return () => {
    if (held !== undefined && clock() - held.at < cacheMs) return Promise.resolve(held)
    inFlight ??= read()
      .then((figures) => {
        held = figures
        return figures
      })
      .finally(() => {
        inFlight = undefined
      })
    return inFlight
  }
}

/**
 * Prometheus metrics computed from the state of the store at scrape time: where registrations
 * stand, how much work is queued or dead, which deliveries could not be used, and whether the
 * WebSub subscription is current. These are not counted in memory, so every instance reports
 * the same truth and a restart loses nothing; the store is read at most once per `cacheMs`.
 * (Latencies and outcomes of calls, jobs and requests are counted per instance: see
 * `createInstruments`.)
 */
export function createMetrics(sources: MetricsSources): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'mosip_bridge_' })
  const clock = sources.clock ?? Date.now
  const figures = cachedStoreFigures(sources)

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
      const rows = (await figures()).byStateAndKind
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
      for (const row of (await figures()).needingAttention) {
        this.set({ reason: row.reason }, row.count)
      }
    }
  })

  new Gauge({
    name: 'mosip_bridge_registrations_stalled',
    help: 'Registrations waiting on MOSIP (submitted) for longer than MOSIP_STALL_ALERT_SECONDS',
    registers: [registry],
    async collect() {
      this.set((await figures()).stalled)
    }
  })

  new Gauge({
    name: 'mosip_bridge_registrations_mosip_status',
    help: "Registrations waiting on MOSIP (submitted), by MOSIP's last answer about them (NOT_CHECKED: not asked yet)",
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      for (const row of (await figures()).byMosipStatus) {
        this.set({ status: row.status ?? 'NOT_CHECKED' }, row.count)
      }
    }
  })

  new Gauge({
    name: 'mosip_bridge_oldest_unfinished_registration_seconds',
    help: 'Age of the oldest registration not yet confirmed, completed or rejected',
    registers: [registry],
    async collect() {
      const oldest = (await figures()).oldestUnfinishedAt
      this.set(oldest === undefined ? 0 : Math.max(0, (clock() - oldest) / 1000))
    }
  })

  new Gauge({
    name: 'mosip_bridge_tokens_expiring',
    help: 'Unfinished registrations whose stored OpenCRVS token expires within the window (the action token lives 7 days; after it, the registration cannot be confirmed with it)',
    labelNames: ['within'] as const,
    registers: [registry],
    async collect() {
      const { tokensExpiring24h, tokensExpiring72h } = await figures()
      this.set({ within: '24h' }, tokensExpiring24h)
      this.set({ within: '72h' }, tokensExpiring72h)
    }
  })

  new Gauge({
    name: 'mosip_bridge_jobs',
    help: 'Background jobs by task and state',
    labelNames: ['task', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset()
      for (const row of (await figures()).jobs) {
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
      for (const row of (await figures()).deliveries) {
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

/** Buckets (seconds) for latencies from a few milliseconds to the longest partner timeouts. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

/**
 * Durations measured as things happen (per instance): partner calls, jobs and HTTP requests.
 * Every label takes values from a small fixed set (partner, operation, task, route template,
 * outcome, status class), never an id. Each histogram's `_count` is also the count of outcomes.
 */
export interface Instruments {
  /** The registry they are registered in (merged into the one /metrics serves). */
  registry: Registry
  /** Partner calls by partner, operation and outcome (ok, client_error, server_error, timeout, network). */
  partnerCalls: Histogram<'partner' | 'operation' | 'outcome'>
  /** Job attempts by task and outcome (done, retry, snoozed, dead, lost). */
  jobs: Histogram<'task' | 'outcome'>
  /** HTTP requests by route template, method and status class (2xx, 4xx…). */
  requests: Histogram<'route' | 'method' | 'status_class'>
}

export function createInstruments(registry: Registry = new Registry()): Instruments {
  return {
    registry,
    partnerCalls: new Histogram({
      name: 'mosip_bridge_partner_call_duration_seconds',
      help: 'Calls to MOSIP, IDA, E-Signet and OpenCRVS by partner, operation and outcome (ok, client_error, server_error, timeout, network)',
      labelNames: ['partner', 'operation', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry]
    }),
    jobs: new Histogram({
      name: 'mosip_bridge_job_duration_seconds',
      help: 'Job attempts by task and outcome (done, retry, snoozed, dead, lost)',
      labelNames: ['task', 'outcome'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry]
    }),
    requests: new Histogram({
      name: 'mosip_bridge_http_request_duration_seconds',
      help: 'HTTP requests answered by the bridge (intake, WebSub, verify…) by route template, method and status class',
      labelNames: ['route', 'method', 'status_class'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry]
    })
  }
}
