import type { FastifyInstance } from 'fastify'
import type { BridgeConfig } from './config/index.js'
import { retry, type Outcome } from './core/outcome.js'
import type { CredentialDecryptor, IssuedCredential } from './core/ports.js'
import { buildApp } from './http/build-app.js'
import { registerDebugRoutes } from './http/routes/debug.route.js'
import { registerEsignetRoutes } from './http/routes/esignet.route.js'
import { registerVerifyRoutes } from './http/routes/verify.route.js'
import { createEsignetClient } from './integrations/esignet/index.js'
import { createIdaVerifier } from './integrations/ida/index.js'
import { registerIntakeRoutes } from './http/routes/intake.route.js'
import { registerWebsubRoutes } from './http/routes/websub.route.js'
import { MosipTokenSource } from './integrations/mosip/auth-token.js'
import { MosipCredentialDecryptor } from './integrations/mosip/credential-decryptor.js'
import { DEFAULT_ID_SCHEMA_JSON } from './integrations/mosip/default-id-schema.js'
import { MosipPacketClient } from './integrations/mosip/packet-manager.client.js'
import { WebsubSubscriber } from './integrations/mosip/websub-subscriber.js'
import { OpencrvsEventsClient } from './integrations/opencrvs/events.client.js'
import { OpencrvsJwtVerifier } from './integrations/opencrvs/jwt-verifier.js'
import { OpencrvsPublicKey } from './integrations/opencrvs/public-key.js'
import { createTokenSource } from './integrations/opencrvs/token-source.js'
import type { Logger } from './observability/logger.js'
import { createMetrics } from './observability/metrics.js'
import { confirmRegistrationJob } from './pipeline/confirm-registration.job.js'
import { IntakeService } from './pipeline/intake.service.js'
import { removeRegistration } from './pipeline/operator-actions.js'
import { processCredentialJob } from './pipeline/process-credential.job.js'
import { rejectRegistrationJob } from './pipeline/reject-registration.job.js'
import { submitPacketJob } from './pipeline/submit-packet.job.js'
import { TASKS, taskPayloads, type Tasks } from './pipeline/tasks.js'
import { WebsubIntakeService } from './pipeline/websub-intake.service.js'
import { JobQueue } from './queue/job-queue.js'
import { JobRunner } from './queue/job-runner.js'
import { createStore, type Store } from './store/database.js'
import { resolveEncryptionKey } from './store/encryption-key.js'
import { migrateToLatest } from './store/migrate.js'
import { OperatorQueries } from './store/operator-queries.js'
import { RegistrationsRepository } from './store/registrations.repository.js'
import { SecretBox } from './store/secret-box.js'
import { WebsubInboxRepository } from './store/websub-inbox.repository.js'

export interface RunningBridge {
  app: FastifyInstance
  store: Store
  queue: JobQueue<Tasks>
  runner: JobRunner<Tasks>
  registrations: RegistrationsRepository
  inbox: WebsubInboxRepository
  subscriber: WebsubSubscriber
  /** Address the HTTP server listens on. */
  url: string
  /** Stops in order: subscription loop, HTTP intake, jobs (finish or return to the queue), store. */
  stop(): Promise<void>
}

/** Stands in for the decryptor while the keystore cannot be opened: deliveries wait, stored. */
class UnavailableDecryptor implements CredentialDecryptor {
  constructor(private readonly reason: string) {}
  decrypt(): Outcome<IssuedCredential> {
    return retry('KEYSTORE_UNAVAILABLE', this.reason)
  }
}

function openDecryptor(config: BridgeConfig, logger: Logger): CredentialDecryptor {
  const { decryptP12Path, decryptP12Password, checkThumbprint, extraThumbprints } =
    config.mosip.credential
  try {
    const decryptor = MosipCredentialDecryptor.fromKeystoreFile(
      decryptP12Path,
      decryptP12Password,
      {
        checkThumbprint,
        extraThumbprints
      }
    )
    logger.info(decryptor.describe(), 'credential keystore loaded')
    return decryptor
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'KEYSTORE_UNREADABLE'
    logger.error(
      { code, path: decryptP12Path },
      'cannot open DECRYPT_P12_FILE_PATH: credentials are stored and wait until the bridge restarts with a usable keystore'
    )
    return new UnavailableDecryptor(`${code}: the credential keystore could not be opened`)
  }
}

/** Composition root: config → store (migrated) → integrations → pipeline jobs → HTTP. */
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

  const box = new SecretBox(encryptionKey.key, config.encryption.previousKeys)
  const registrations = new RegistrationsRepository(store.db, box)
  const inbox = new WebsubInboxRepository(store.db, box)
  const operator = new OperatorQueries(store.db)
  const queue = new JobQueue<Tasks>(store, {
    maxAttempts: config.queue.maxAttempts,
    backoff: { baseMs: config.queue.backoffBaseMs, maxMs: config.queue.backoffMaxMs }
  })
  const timeoutMs = config.pipeline.outboundTimeoutMs

  // MOSIP: one cached login per client, shared by every job.
  const { mosip } = config
  const packetTokens = new MosipTokenSource({
    authUrl: mosip.authUrl,
    clientId: mosip.packetClient.clientId,
    secretKey: mosip.packetClient.clientSecret,
    appId: mosip.authClientAppId,
    timeoutMs
  })
  const websubTokens = new MosipTokenSource({
    authUrl: mosip.authUrl,
    clientId: mosip.websub.client.clientId,
    secretKey: mosip.websub.client.clientSecret,
    appId: mosip.authClientAppId,
    timeoutMs
  })
  const packets = new MosipPacketClient({
    createPacketUrl: mosip.createPacketUrl,
    processPacketUrl: mosip.processPacketUrl,
    tokens: packetTokens,
    source: config.pipeline.packetSource,
    schemaVersion: config.pipeline.schemaVersion,
    centerId: mosip.centerId,
    machineId: mosip.machineId,
    defaultSchemaJson: DEFAULT_ID_SCHEMA_JSON,
    timeoutMs
  })
  const decryptor = openDecryptor(config, logger)

  // OpenCRVS: its public key verifies intake tokens; the events API confirms registrations.
  const publicKey = new OpencrvsPublicKey({ url: config.opencrvs.publicKeyUrl, timeoutMs, logger })
  void publicKey.load().then((loaded) => {
    if (loaded.kind !== 'ok') {
      logger.warn({ code: loaded.code }, 'OpenCRVS public key not loaded yet; retried on first use')
    }
  })
  const verifier = new OpencrvsJwtVerifier({
    publicKey,
    audiences: config.pipeline.jwtAudiences,
    logger
  })
  const operatorVerifier = new OpencrvsJwtVerifier({
    publicKey,
    audiences: [...config.pipeline.jwtAudiences, 'opencrvs:gateway-user'],
    logger
  })
  // Identity checks for forms: IDA demographic authentication and E-Signet logins. Their key
  // files are read once here; when missing, only these routes answer 503.
  const ida = createIdaVerifier(config, logger)
  const esignet = createEsignetClient(config, logger)
  const events = new OpencrvsEventsClient({
    gatewayUrl: config.opencrvs.gatewayUrl,
    timeoutMs,
    logger,
    strictInputs: config.nodeEnv !== 'production'
  })
  const tokens = createTokenSource(config.pipeline.confirmationToken, {
    ...(config.opencrvs.authUrl ? { authUrl: config.opencrvs.authUrl } : {}),
    ...(config.opencrvs.systemClient ? { systemClient: config.opencrvs.systemClient } : {}),
    timeoutMs,
    logger
  })

  const opencrvsDeps = { store, registrations, tokens, events, logger }
  const runner = new JobRunner<Tasks>({
    queue,
    payloads: taskPayloads,
    handlers: {
      [TASKS.submitPacket]: submitPacketJob({
        store,
        registrations,
        queue,
        mosip: packets,
        rejectOnFailure: config.pipeline.rejectOnFailure,
        logger
      }),
      [TASKS.processCredential]: processCredentialJob({
        store,
        inbox,
        registrations,
        queue,
        decryptor,
        nationalIdKey: mosip.credential.nationalIdKey
      }),
      [TASKS.confirmRegistration]: confirmRegistrationJob({
        ...opencrvsDeps,
        nationalIdFieldId: config.pipeline.nationalIdFieldId
      }),
      [TASKS.rejectRegistration]: rejectRegistrationJob(opencrvsDeps)
    },
    logger,
    concurrency: config.queue.concurrency,
    leaseMs: config.queue.leaseMs,
    pollIntervalMs: config.queue.pollIntervalMs,
    retentionMs: config.queue.retentionMs
  })

  const intake = new IntakeService({
    store,
    registrations,
    queue,
    transactionIdPrefix: config.transactionIdPrefix
  })
  const deliveries = new WebsubIntakeService({ store, inbox, queue })
  const subscriber = new WebsubSubscriber({
    hubUrl: mosip.websub.hubUrl,
    topic: mosip.websub.topic,
    callbackUrl: mosip.websub.callbackUrl,
    secret: mosip.websub.secret,
    tokens: websubTokens,
    intervalMs: config.pipeline.resubscribeMs,
    timeoutMs,
    logger
  })
  const metrics = createMetrics({ operator, subscription: () => subscriber.status() })
  const app = buildApp({
    logger,
    store,
    bodyLimit: config.pipeline.bodyLimitBytes,
    metrics,
    routes: [
      (instance) =>
        registerIntakeRoutes(instance, {
          verifier,
          intake,
          requiredScope: config.pipeline.intakeScope
        }),
      (instance) =>
        registerWebsubRoutes(instance, {
          topic: mosip.websub.topic,
          secret: mosip.websub.secret,
          deliveries
        }),
      (instance) =>
        registerDebugRoutes(instance, {
          verifier: operatorVerifier,
          operator,
          removeRegistration: (id) => removeRegistration({ store, registrations, queue }, id)
        }),
      (instance) =>
        registerVerifyRoutes(instance, {
          verifier: operatorVerifier,
          ida,
          requiredScope: config.ida.verifyScope
        }),
      (instance) =>
        registerEsignetRoutes(instance, {
          verifier: operatorVerifier,
          esignet,
          requiredScope: config.esignet.requiredScope,
          corsOrigin: config.server.clientAppUrl
        })
    ]
  })
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
  subscriber.start()
  logger.info({ url, workerId: runner.workerId }, 'mosip-bridge listening')

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      subscriber.stop()
      await app.close()
      await runner.stop(config.queue.shutdownTimeoutMs)
      await store.close()
      logger.info('mosip-bridge stopped')
    })()
    return stopping
  }
  return { app, store, queue, runner, registrations, inbox, subscriber, url, stop }
}
