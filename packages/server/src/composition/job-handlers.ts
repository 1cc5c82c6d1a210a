import type { BridgeConfig } from '../config/index.js'
import type { Logger } from '../observability/logger.js'
import { confirmRegistrationJob } from '../pipeline/confirm-registration.job.js'
import { deactivateUinJob } from '../pipeline/deactivate-uin.job.js'
import { Reconciler } from '../pipeline/reconciliation.service.js'
import { processCredentialJob } from '../pipeline/process-credential.job.js'
import { rejectRegistrationJob } from '../pipeline/reject-registration.job.js'
import { submitPacketJob } from '../pipeline/submit-packet.job.js'
import { TASKS, type Tasks } from '../pipeline/tasks.js'
import { workflowEventJob } from '../pipeline/workflow-event.job.js'
import type { JobRunnerOptions } from '../queue/job-runner.js'
import type { Integrations } from './integrations.js'
import { registrationIdsOf } from './registration-ids.js'
import type { Storage } from './storage.js'

/**
 * The handler of every task of the pipeline, as the job runner runs them. The workflow-completed
 * events are applied by `reconciler`, the instance whose scheduled checks `main.ts` starts.
 */
export function buildJobHandlers(
  config: BridgeConfig,
  logger: Logger,
  { store, registrations, inbox, queue }: Storage,
  { mosip, opencrvs }: Integrations,
  reconciler: Pick<Reconciler, 'applyWorkflowCompleted'>
): JobRunnerOptions<Tasks>['handlers'] {
  const opencrvsDeps = {
    store,
    registrations,
    tokens: opencrvs.tokens,
    events: opencrvs.events,
    logger,
    ...(config.mosip.idRepository.deactivateUinOnDeath ? { uinDeactivation: { queue } } : {})
  }
  return {
    [TASKS.submitPacket]: submitPacketJob({
      store,
      registrations,
      inbox,
      queue,
      mosip: mosip.packets,
      rejectOnFailure: config.pipeline.rejectOnFailure,
      reconcileAfterMs: config.mosip.reconcile.afterMs,
      actsWithStoredToken: config.pipeline.confirmationToken === 'stored-token',
      logger
    }),
    [TASKS.processCredential]: processCredentialJob({
      store,
      inbox,
      registrations,
      queue,
      decryptor: mosip.decryptor,
      dataShare: mosip.dataShare,
      nationalIdKey: config.mosip.credential.nationalIdKey
    }),
    [TASKS.confirmRegistration]: confirmRegistrationJob({
      ...opencrvsDeps,
      nationalIdFieldId: config.pipeline.nationalIdFieldId
    }),
    [TASKS.rejectRegistration]: rejectRegistrationJob(opencrvsDeps),
    [TASKS.applyWorkflowEvent]: workflowEventJob({ store, inbox, registrations, reconciler }),
    // Runs whatever the setting is now: a deactivation queued before it was switched off still
    // carries out what was decided when the death was confirmed.
    [TASKS.deactivateUin]: deactivateUinJob({ store, registrations, identities: mosip.identities })
  }
}

/**
 * Reconciliation with MOSIP of the registrations submitted and not finished: built once, its
 * scheduled checks started by `main.ts` and its `applyWorkflowCompleted` used by the handlers.
 * It asks MOSIP through the status client only, so a one-off pass (`mosip-bridge reconcile`)
 * needs no other partner.
 */
export function buildReconciler(
  config: BridgeConfig,
  logger: Logger,
  { store, registrations, reconciliation, queue }: Storage,
  { mosip }: { mosip: Pick<Integrations['mosip'], 'status'> }
): Reconciler {
  return new Reconciler({
    store,
    registrations,
    reconciliation,
    queue,
    status: mosip.status,
    settings: config.mosip.reconcile,
    rejectOnFailure: config.pipeline.rejectOnFailure,
    registrationIds: registrationIdsOf(config),
    logger
  })
}
