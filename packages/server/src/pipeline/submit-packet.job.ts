import type { Logger } from '../observability/logger.js'
import type { JobContext, TaskHandler } from '../queue/job-runner.js'
import type { JobQueue } from '../queue/job-queue.js'
import type { Store } from '../store/database.js'
import type { RegistrationsRepository } from '../store/registrations.repository.js'
import type { Registration } from '../store/schema.js'
import type { WebsubInboxRepository } from '../store/websub-inbox.repository.js'
import { PermanentFailure } from '../core/job-failure.js'
import type { StoredPacketInput } from '../core/intake-plan.js'
import type { MosipPacketGateway } from '../core/ports.js'
import { TOKEN_EXPIRES_DURING_OUTAGE, tokenNearsExpiry } from '../core/token-expiry-margin.js'
import { describeFailure, waitForPartner, type Failure } from './partner-failure.js'
import { mosipIdOf } from '../core/registration-state.js'
import { failRegistration } from './fail-registration.js'
import { TASKS, jobKeys, type Tasks } from './tasks.js'
import { isWorkflowEventId } from './websub-intake.service.js'

interface SubmitPacketDeps {
  store: Store
  registrations: RegistrationsRepository
  inbox: WebsubInboxRepository
  queue: JobQueue<Tasks>
  mosip: MosipPacketGateway
  rejectOnFailure: boolean
  /** MOSIP_RECONCILE_AFTER_SECONDS in ms: when reconciliation first asks MOSIP about the packet. */
  reconcileAfterMs: number
  /**
   * The outcome is written to OpenCRVS with the token stored at intake (the `stored-token`
   * mode), so a MOSIP outage must end before that token expires.
   */
  actsWithStoredToken: boolean
  logger: Logger
  clock?: () => number
}

/**
 * Sends a registration's packet to MOSIP: createPacket, then workflowinstance, recording each
 * step so a retry resumes where the last attempt stopped. When MOSIP refuses the packet (a
 * request-validation error), the registration fails and (by default) is rejected in OpenCRVS,
 * so it does not wait in "pending external validation" forever. A MOSIP outage (network
 * errors, timeouts, 5xx, 429, a refused login) only delays the submission, whatever
 * JOB_MAX_ATTEMPTS says — until the stored OpenCRVS token nears expiry, when the registration
 * goes to an operator (`needs_attention`) instead of being rejected.
 */
export function submitPacketJob(deps: SubmitPacketDeps): TaskHandler<Tasks['submit-packet']> {
  const { registrations, mosip } = deps
  const clock = deps.clock ?? Date.now

  async function giveUp(registration: Registration, failure: Failure, log: Logger): Promise<void> {
    const reject = await failRegistration(deps, registration, {
      code: failure.code,
      reason: describeFailure(failure)
    })
    log.warn(
      { registrationId: registration.id, code: failure.code, reject },
      'MOSIP submission given up'
    )
  }

  async function fail(
    registration: Registration,
    failure: Failure,
    context: JobContext
  ): Promise<void> {
    if (failure.kind === 'permanent') return giveUp(registration, failure, context.logger)
    if (
      deps.actsWithStoredToken &&
      registration.kind !== 'update' &&
      tokenNearsExpiry(registration.token_expires_at, clock())
    ) {
      await registrations.transition(deps.store.db, registration.id, 'needs_attention', {
        current: registration,
        reason: TOKEN_EXPIRES_DURING_OUTAGE,
        lastError: `MOSIP is still unavailable and the OpenCRVS token expires soon (${describeFailure(failure)})`
      })
      context.logger.warn(
        { registrationId: registration.id, code: failure.code },
        'MOSIP outage outlasts the OpenCRVS token: registration needs attention'
      )
      return
    }
    await registrations.noteAttempt(registration.id, describeFailure(failure))
    waitForPartner(failure)
  }

  return async ({ registrationId }, context) => {
    let registration = await registrations.get(registrationId)
    if (!registration) {
      throw new PermanentFailure(`registration ${registrationId} does not exist`, {
        code: 'REGISTRATION_NOT_FOUND'
      })
    }
    if (registration.state !== 'received' && registration.state !== 'packet_created') return
    const packet = registrations.payloadOf<StoredPacketInput>(registration)
    if (!packet) {
      throw new PermanentFailure(`registration ${registrationId} has no packet input left`, {
        code: 'PACKET_INPUT_MISSING'
      })
    }

    // The id MOSIP knows the packet by: our own, or a new one when MOSIP asked for it again.
    const mosipId = mosipIdOf(registration)
    if (registration.state === 'received') {
      const created = await mosip.createPacket({
        id: mosipId,
        process: packet.process,
        fields: packet.fields,
        metaInfo: packet.metaInfo,
        audits: packet.audits,
        ...(packet.schemaJson !== undefined ? { schemaJson: packet.schemaJson } : {}),
        ...(packet.documents !== undefined ? { documents: packet.documents } : {})
      })
      if (created.kind !== 'ok') return fail(registration, created, context)
      registration = await registrations.transition(
        deps.store.db,
        registrationId,
        'packet_created',
        {
          current: registration,
          from: 'received',
          reason: 'PACKET_CREATED',
          lastError: null
        }
      )
    }

    const started = await mosip.startWorkflow({
      registrationId: mosipId,
      process: packet.process,
      notification: packet.notification
    })
    if (started.kind !== 'ok') return fail(registration, started, context)
    const update = registration.kind === 'update'
    const current = registration
    const now = clock()
    await deps.store.transaction(async (trx) => {
      await registrations.transition(trx, registrationId, 'submitted', {
        current,
        from: 'packet_created',
        reason: started.value.alreadyStarted ? 'WORKFLOW_ALREADY_PRESENT' : 'WORKFLOW_STARTED',
        lastError: null,
        // Reconciliation asks MOSIP about it once it has waited this long.
        // The packet's content stays sealed until the registration ends: MOSIP may ask for it
        // again (RESEND, REREGISTER, or an id it does not know). An update acts on nothing in
        // OpenCRVS, so its token goes now.
        changes: {
          submitted_at: now,
          reconcile_at: now + deps.reconcileAfterMs,
          ...(update ? { token_sealed: null } : {})
        }
      })
      // A credential that overtook this record (MOSIP answered, then this runner was stopped
      // before recording it) waits for exactly this state: process it now.
      // So does a workflow-completed event that came before it.
      for (const eventId of await deps.inbox.waitingFor(trx, registrationId)) {
        const workflow = isWorkflowEventId(eventId)
        const key = workflow
          ? jobKeys.applyWorkflowEvent(eventId)
          : jobKeys.processCredential(eventId)
        if (await deps.queue.runNow(trx, key)) continue
        const options = { jobKey: `${key}:submitted` }
        if (workflow) {
          await deps.queue.enqueue(trx, TASKS.applyWorkflowEvent, { v: 1, eventId }, options)
        } else {
          await deps.queue.enqueue(trx, TASKS.processCredential, { v: 1, eventId }, options)
        }
      }
    })
    deps.queue.notify()
    context.logger.info(
      { registrationId, alreadyStarted: started.value.alreadyStarted },
      'packet in MOSIP'
    )
  }
}
