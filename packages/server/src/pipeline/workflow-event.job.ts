import { mosipWorkflowCompletedEventSchema } from '@mosip-bridge/contracts'
import { Snooze } from '../core/job-failure.js'
import { mosipIdOf } from '../core/registration-state.js'
import type { TaskHandler } from '../queue/job-runner.js'
import type { Store } from '../store/database.js'
import type { RegistrationsRepository } from '../store/registrations.repository.js'
import type { Registration } from '../store/schema.js'
import type { WebsubInboxRepository } from '../store/websub-inbox.repository.js'
import type { Reconciler } from './reconciliation.service.js'
import type { Tasks } from './tasks.js'

interface WorkflowEventDeps {
  store: Store
  inbox: WebsubInboxRepository
  registrations: RegistrationsRepository
  /** Applies MOSIP's outcome as the scheduled checks would. */
  reconciler: Pick<Reconciler, 'applyWorkflowCompleted'>
}

/** What `applyWorkflowCompleted` did, as the note of the processed delivery. */
const OUTCOME_NOTES = {
  applied: 'WORKFLOW_APPLIED',
  noted: 'WORKFLOW_NOTED',
  'not-waiting': 'WORKFLOW_NOT_WAITING'
} as const

/** The registration's submission under this MOSIP id is not recorded yet. */
const awaitsSubmission = (registration: Registration, mosipId: string) =>
  (registration.state === 'received' || registration.state === 'packet_created') &&
  mosipIdOf(registration) === mosipId

/**
 * Applies a stored workflow-completed event of MOSIP's registration processor (the push path of
 * the reconciliation; the scheduled checks stay as the safety net): a rejection fails the
 * registration and queues its rejection in OpenCRVS, a processed death or update finishes it, a
 * processed birth is only noted (its credential finishes it). The delivery is then marked
 * processed with what was done. An event about a registration we do not know is kept for an
 * operator, like an unmatched credential; one that overtook the recording of our own submission
 * waits for it (the submission brings it forward).
 */
export function workflowEventJob(
  deps: WorkflowEventDeps
): TaskHandler<Tasks['apply-workflow-event']> {
  const { inbox, registrations } = deps

  return async ({ eventId }, context) => {
    const entry = await inbox.get(eventId)
    if (!entry || entry.state !== 'received') return
    // A second job of the same event (brought forward by the submission while this one ran)
    // finds it applied already: only the job that applied it records that unconditionally.
    const keep = (state: string, note: string) =>
      inbox.markProcessed(deps.store.db, eventId, state, {
        note,
        keepBody: true,
        onlyIfReceived: true
      })

    let body: unknown
    try {
      body = JSON.parse(inbox.bodyOf(entry) ?? '')
    } catch {
      return keep('invalid', 'DELIVERY_NOT_JSON')
    }
    const parsed = mosipWorkflowCompletedEventSchema.safeParse(body)
    if (!parsed.success) return keep('invalid', 'DELIVERY_NOT_WORKFLOW_EVENT')
    const event = parsed.data

    let registration = await registrations.findByMosipId(event.instanceId)
    if (registration && awaitsSubmission(registration, event.instanceId)) {
      // MOSIP finished before our submission job recorded its success: this event is about the
      // id in use, so note the registration on the delivery (recording the submission brings
      // this job forward) and look once more. Waiting for our own state uses up no attempt.
      await inbox.noteRegistration(deps.store.db, eventId, registration.id)
      registration = (await registrations.get(registration.id)) ?? registration
      if (awaitsSubmission(registration, event.instanceId)) {
        throw new Snooze('submission not recorded yet', { code: 'SUBMISSION_PENDING' })
      }
    }

    const noted = { note: OUTCOME_NOTES.noted, onlyIfReceived: true }
    const outcome = await deps.reconciler.applyWorkflowCompleted(event, {
      ...(registration ? { current: registration } : {}),
      // Only noting MOSIP's status: the delivery is marked processed in the same transaction.
      alsoWhenNoted: (trx) =>
        inbox.markProcessed(trx, eventId, 'processed', {
          registrationId: registration?.id ?? null,
          ...noted
        })
    })
    const fields = {
      mosipEventId: eventId,
      resultCode: event.resultCode,
      outcome,
      ...(registration ? { registrationId: registration.id } : {})
    }
    if (outcome === 'unknown-registration') {
      context.logger.warn(fields, 'workflow-completed event for an unknown registration kept')
      return keep('unmatched', 'UNKNOWN_REGISTRATION')
    }
    context.logger.info(fields, 'workflow-completed event applied')
    if (outcome === 'noted') return
    await inbox.markProcessed(deps.store.db, eventId, 'processed', {
      registrationId: registration?.id ?? null,
      note: OUTCOME_NOTES[outcome],
      onlyIfReceived: outcome !== 'applied'
    })
  }
}
