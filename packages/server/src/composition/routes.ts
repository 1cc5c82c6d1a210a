import type { FastifyInstance } from 'fastify'
import { readinessOf } from '../core/dependency-state.js'
import { dependencyProbes } from './health.js'
import { BRIDGE_VERSION } from '../version.js'
import type { BridgeConfig } from '../config/index.js'
import { buildApp } from '../http/build-app.js'
import { registerDebugRoutes } from '../http/routes/debug.route.js'
import { registerEsignetRoutes } from '../http/routes/esignet.route.js'
import { registerIntakeRoutes } from '../http/routes/intake.route.js'
import { registerVerifyRoutes } from '../http/routes/verify.route.js'
import { registerWebsubRoutes } from '../http/routes/websub.route.js'
import { withPerCallerRateLimit } from '../http/rate-limit.js'
import type { Logger } from '../observability/logger.js'
import { observeExchanges } from '../integrations/http-exchange.js'
import {
  createCounters,
  createInstruments,
  createMetrics,
  type BridgeCounters,
  type Instruments
} from '../observability/metrics.js'
import { Registry } from 'prom-client'
import { IntakeService } from '../pipeline/intake.service.js'
import { planOperatorActions } from '../core/operator-action-plan.js'
import { registerConsoleRoutes, type ConsoleDeps } from '../http/console/console.route.js'
import {
  factsOf,
  removeRegistration,
  retryDelivery,
  runRegistrationAction
} from '../pipeline/operator-actions.js'
import { WebsubIntakeService } from '../pipeline/websub-intake.service.js'
import type { Integrations } from './integrations.js'
import { registrationIdsOf } from './registration-ids.js'
import type { Storage } from './storage.js'

/** The feature routes (intake, WebSub, debug, verify, E-Signet), as `buildApp` registers them. */
function buildRoutes(
  config: BridgeConfig,
  { store, registrations, inbox, queue, operator, audit, websubIntents }: Storage,
  { opencrvs, ida, esignet }: Integrations,
  counters?: BridgeCounters
): Array<(app: FastifyInstance) => void> {
  const intake = new IntakeService({
    store,
    registrations,
    queue,
    registrationIds: registrationIdsOf(config)
  })
  const workflowTopic = config.mosip.websub.workflowCompletedTopic
  const deliveries = new WebsubIntakeService({ store, inbox, queue, workflowTopic })
  const operatorVerifier = opencrvs.operatorVerifier
  return [
    (app) =>
      registerIntakeRoutes(app, {
        verifier: opencrvs.verifier,
        intake,
        requiredScope: config.pipeline.intakeScope,
        documents: config.mosip.documents,
        bodyLimit: config.pipeline.bodyLimitBytes
      }),
    (app) =>
      registerWebsubRoutes(app, {
        topic: config.mosip.websub.topic,
        workflowTopic,
        secret: config.mosip.websub.secret,
        previousSecrets: config.mosip.websub.previousSecrets,
        deliveries,
        intents: websubIntents,
        ...(counters ? { onSignatureFailure: () => counters.websubSignatureFailures.inc() } : {})
      }),
    (app) =>
      registerDebugRoutes(app, {
        verifier: operatorVerifier,
        operator,
        removeRegistration: (id) => removeRegistration({ store, registrations, queue }, id),
        audit: (entry) =>
          audit.record({ ...entry, channel: 'debug-route', action: 'registration.remove' }),
        eventOf: async (id) => {
          const registration = await registrations.get(id)
          return registration === undefined ? undefined : registration.opencrvs_event_id
        }
      }),
    // Each caller's calls are bounded, so a user token cannot enumerate identities.
    (app) =>
      withPerCallerRateLimit(app, config.ida.rateLimitPerMinute, (scoped) =>
        registerVerifyRoutes(scoped, {
          verifier: operatorVerifier,
          ida,
          requiredScope: config.ida.verifyScope,
          mismatchDetails: config.ida.mismatchDetails
        })
      ),
    (app) =>
      withPerCallerRateLimit(app, config.ida.rateLimitPerMinute, (scoped) =>
        registerEsignetRoutes(scoped, {
          verifier: operatorVerifier,
          esignet,
          requiredScope: config.esignet.requiredScope,
          corsOrigin: config.server.clientAppUrl
        })
      )
  ]
}

/**
 * The bridge's whole HTTP surface — basics, metrics and every feature route — not listening.
 * Requests are answered without a job runner: accepted work waits in the queue. `instruments`
 * (shared with the job runner) are served with the other metrics; partner calls are measured
 * while the app is open.
 */
export function buildBridgeApp(
  config: BridgeConfig,
  logger: Logger,
  storage: Storage,
  integrations: Integrations,
  instruments: Instruments = createInstruments()
): FastifyInstance {
  const { subscriber, workflowSubscriber } = integrations.mosip
  const probes = dependencyProbes(config, storage, integrations)
  const readiness = () => readinessOf(probes)
  const metrics = createMetrics({
    operator: storage.operator,
    subscription: () => subscriber.status(),
    ...(workflowSubscriber ? { workflowSubscription: () => workflowSubscriber.status() } : {}),
    dependencies: readiness,
    stallAlertMs: config.mosip.reconcile.stallAlertMs,
    version: BRIDGE_VERSION
  })
  const counters = createCounters(metrics)
  const routes = buildRoutes(config, storage, integrations, counters)
  const passwordHash = config.server.adminPasswordHash
  if (passwordHash) {
    routes.push((app) =>
      registerConsoleRoutes(
        app,
        consoleDeps(config, storage, integrations, passwordHash, readiness)
      )
    )
  }
  const app = buildApp({
    readiness,
    logger,
    store: storage.store,
    bodyLimit: config.pipeline.bodyLimitBytes,
    trustProxy: config.server.trustProxy,
    metrics: Registry.merge([metrics, instruments.registry]),
    instruments,
    routes
  })
  const stopObserving = observeExchanges((call, outcome, seconds) =>
    instruments.partnerCalls.observe({ ...call, outcome }, seconds)
  )
  app.addHook('onClose', async () => {
    stopObserving()
  })
  return app
}

/** What the operator console reads and does: the same queries and services as the CLI. */
function consoleDeps(
  config: BridgeConfig,
  storage: Storage,
  { mosip }: Integrations,
  passwordHash: string,
  readiness: ConsoleDeps['readiness']
): ConsoleDeps {
  const { operator, audit, queue, registrations, reconciliation } = storage
  return {
    passwordHash,
    sessionSecret: storage.deriveKey('console sessions'),
    operator,
    audit,
    readiness,
    subscriptions: () => [
      { name: 'credentials', lastSuccessAt: mosip.subscriber.status().lastSuccessAt },
      ...(mosip.workflowSubscriber
        ? [
            {
              name: 'workflow completed',
              lastSuccessAt: mosip.workflowSubscriber.status().lastSuccessAt
            }
          ]
        : [])
    ],
    stallAlertMs: config.mosip.reconcile.stallAlertMs,
    mosipIdsOf: (id) => reconciliation.mosipIdsOf(id),
    planOf: async (id) => {
      const registration = await registrations.get(id)
      return registration
        ? planOperatorActions(await factsOf(registrations, registration))
        : undefined
    },
    runAction: (id, action) => runRegistrationAction(storage, id, action),
    retryDelivery: (eventId) => retryDelivery(storage, eventId),
    deadJobs: (limit) => queue.list({ state: 'dead', limit }),
    replayJob: (id) => queue.replay(id),
    jobCounts: () => queue.counts()
  }
}
