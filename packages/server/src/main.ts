import type { FastifyInstance } from 'fastify'
import type { BridgeConfig } from './config/index.js'
import { buildApp } from './http/build-app.js'
import type { Logger } from './observability/logger.js'
import { JobQueue } from './queue/job-queue.js'
import { JobRunner, type TaskHandler } from './queue/job-runner.js'
import { createStore, type Store } from './store/database.js'
import { migrateToLatest } from './store/migrate.js'
import { SecretBox } from './store/secret-box.js'
import { resolveEncryptionKey } from './store/encryption-key.js'

export interface RunningBridge {
  app: FastifyInstance
  store: Store
  queue: JobQueue
  runner: JobRunner
  /** Address the HTTP server listens on. */
  url: string
  /** Stops in order: HTTP intake, then jobs (finish or return to the queue), then the store. */
  stop(): Promise<void>
}

/** Task handlers the runner executes; the pipeline's workflows register theirs here. */
export function taskHandlers(): Record<string, TaskHandler> {
  return {}
}

/** Composition root: config → store (migrated) → queue and runner → HTTP. */
export async function startBridge(config: BridgeConfig, logger: Logger): Promise<RunningBridge> {
  const encryptionKey = resolveEncryptionKey(config.encryption.key, config.encryption.keyFile)
  if (encryptionKey.source !== 'environment') {
    logger.warn(
      { keyFile: config.encryption.keyFile, source: encryptionKey.source },
      encryptionKey.source === 'generated'
        ? 'DATA_ENCRYPTION_KEY is not set: generated a data encryption key into the key file; back it up, or set DATA_ENCRYPTION_KEY (required when several instances share a database)'
        : 'DATA_ENCRYPTION_KEY is not set: using the key file'
    )
  }
  if (config.ignoredVariables.length > 0) {
    logger.warn({ variables: config.ignoredVariables }, 'deprecated variables are set and ignored')
  }
  const store = createStore(config.database)
  try {
    const report = await migrateToLatest(store)
    logger.info({ applied: report.applied, database: store.dialect }, 'database ready')
  } catch (error) {
    await store.close()
    throw error
  }
  // Secret columns are sealed with this box by the repositories the pipeline adds.
  void new SecretBox(encryptionKey.key, config.encryption.previousKeys)
  const queue = new JobQueue(store, {
    maxAttempts: config.queue.maxAttempts,
    backoff: { baseMs: config.queue.backoffBaseMs, maxMs: config.queue.backoffMaxMs }
  })
  const runner = new JobRunner({
    queue,
    handlers: taskHandlers(),
    logger,
    concurrency: config.queue.concurrency,
    leaseMs: config.queue.leaseMs,
    pollIntervalMs: config.queue.pollIntervalMs,
    retentionMs: config.queue.retentionMs
  })
  const app = buildApp({ logger, store })
  let url: string
  try {
    url = await app.listen({ port: config.server.port, host: config.server.host })
  } catch (error) {
    await app.close().catch(() => undefined)
    await store.close()
    const code = (error as { code?: string }).code ?? 'unknown error'
    throw new Error(`cannot listen on ${config.server.host}:${config.server.port} (${code})`, {
      cause: error
    })
  }
  runner.start()
  logger.info({ url, workerId: runner.workerId }, 'mosip-bridge listening')

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      await app.close()
      await runner.stop(config.queue.shutdownTimeoutMs)
      await store.close()
      logger.info('mosip-bridge stopped')
    })()
    return stopping
  }
  return { app, store, queue, runner, url, stop }
}
