import type { FastifyInstance } from 'fastify'
import { buildIntegrations } from './composition/integrations.js'
import { buildJobHandlers, buildReconciler } from './composition/job-handlers.js'
import { buildBridgeApp } from './composition/routes.js'
import { openStorage } from './composition/storage.js'
import type { BridgeConfig } from './config/index.js'
import { errorCode } from './core/error-code.js'
import type { WebsubSubscriber } from './integrations/mosip/websub-subscriber.js'
import { listenForMetrics, type MetricsListener } from './http/metrics-listener.js'
import type { Logger } from './observability/logger.js'
import { createInstruments } from './observability/metrics.js'
import type { Reconciler } from './pipeline/reconciliation.service.js'
import type { Tasks } from './pipeline/tasks.js'
import { taskPayloads } from './pipeline/tasks.js'
import type { JobQueue } from './queue/job-queue.js'
import { JobRunner } from './queue/job-runner.js'
import type { Store } from './store/database.js'
import { Housekeeping } from './pipeline/housekeeping.service.js'
import type { RegistrationsRepository } from './store/registrations.repository.js'
import type { WebsubInboxRepository } from './store/websub-inbox.repository.js'

export interface RunningBridge {
  app: FastifyInstance
  store: Store
  queue: JobQueue<Tasks>
  runner: JobRunner<Tasks>
  registrations: RegistrationsRepository
  inbox: WebsubInboxRepository
  subscriber: WebsubSubscriber
  /**
   * The subscription to MOSIP's workflow-completed events (absent when switched off); its
   * failures stay in its own status and never touch `subscriber`.
   */
  workflowSubscriber: WebsubSubscriber | undefined
  /** Checks registrations that wait on MOSIP against its status API. */
  reconciler: Reconciler
  /** Address the HTTP server listens on. */
  url: string
  /** Address of the METRICS_PORT listener, when that is set. */
  metricsUrl: string | undefined
  /** Stops in order: subscription loops, reconciliation, HTTP intake, jobs (finish or return to the queue), store. */
  stop(): Promise<void>
}

/**
 * Composition root: storage (migrated) → integrations → job runner and HTTP app → listen, then
 * the runner, the WebSub subscriptions and the reconciliation start. Each part is built by a named function in
 * `composition/`.
 */
export async function startBridge(config: BridgeConfig, logger: Logger): Promise<RunningBridge> {
  if (config.ignoredVariables.length > 0) {
    logger.warn({ variables: config.ignoredVariables }, 'deprecated variables are set and ignored')
  }
  const storage = await openStorage(config, logger)
  const { store, queue, registrations, inbox } = storage
  const integrations = buildIntegrations(config, logger)
  const { subscriber, workflowSubscriber } = integrations.mosip
  // One reconciler: its scheduled checks and the workflow-completed events share it.
  const reconciler = buildReconciler(config, logger, storage, integrations)
  const housekeeping = new Housekeeping({
    retention: storage.retention,
    inboxRetentionMs: config.queue.inboxRetentionMs,
    historyRetentionMs: config.queue.historyRetentionMs,
    logger
  })
  // Latencies and outcomes of jobs, partner calls and requests, served with the other metrics.
  const instruments = createInstruments()
  const runner = new JobRunner<Tasks>({
    queue,
    payloads: taskPayloads,
    handlers: buildJobHandlers(config, logger, storage, integrations, reconciler),
    logger,
    concurrency: config.queue.concurrency,
    leaseMs: config.queue.leaseMs,
    pollIntervalMs: config.queue.pollIntervalMs,
    retentionMs: config.queue.retentionMs,
    onAttempt: (task, outcome, seconds) => instruments.jobs.observe({ task, outcome }, seconds)
  })
  const app = buildBridgeApp(config, logger, storage, integrations, instruments)

  let url: string
  try {
    url = await app.listen({ port: config.server.port, host: config.server.host })
  } catch (error) {
    await app.close().catch(() => undefined)
    await store.close()
    const code = errorCode(error) ?? 'unknown error'
    throw new Error(`cannot listen on ${config.server.host}:${config.server.port} (${code})`, {
      cause: error
    })
  }
  let metricsListener: MetricsListener | undefined
  const { metricsPort } = config.server
  if (metricsPort !== undefined) {
    try {
      metricsListener = await listenForMetrics(app, metricsPort, config.server.host)
    } catch (error) {
      await app.close().catch(() => undefined)
      await store.close()
      const code = errorCode(error) ?? 'unknown error'
      throw new Error(`cannot listen on ${config.server.host}:${metricsPort} (${code})`, {
        cause: error
      })
    }
    logger.info({ url: metricsListener.url }, 'metrics also served on METRICS_PORT')
  }
  runner.start()
  subscriber.start()
  workflowSubscriber?.start()
  reconciler.start()
  housekeeping.start()
  logger.info({ url, workerId: runner.workerId }, 'mosip-bridge listening')
  if (config.server.adminPasswordHash) {
    logger.info({ url: `${url}/admin` }, 'operator console on at /admin')
  } else {
    logger.info('operator console off: ADMIN_PASSWORD_HASH is not set (/admin answers 404)')
  }

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      subscriber.stop()
      workflowSubscriber?.stop()
      await reconciler.stop()
      await housekeeping.stop()
      await metricsListener?.close()
      await app.close()
      await runner.stop(config.queue.shutdownTimeoutMs)
      await store.close()
      logger.info('mosip-bridge stopped')
    })()
    return stopping
  }
  return {
    app,
    store,
    queue,
    runner,
    registrations,
    inbox,
    subscriber,
    workflowSubscriber,
    reconciler,
    url,
    metricsUrl: metricsListener?.url,
    stop
  }
}
