import type { JobQueue } from '../queue/job-queue.js'
import type { Store } from '../store/database.js'
import type { RegistrationsRepository } from '../store/registrations.repository.js'
import type { Registration } from '../store/schema.js'
import type { WebsubInboxRepository } from '../store/websub-inbox.repository.js'
import { TASKS, jobKeys, type RegistrationJobPayload, type Tasks } from './tasks.js'
import { isWorkflowEventId } from './websub-intake.service.js'

type RetryResult =
  | { retried: true; step: 'submit' | 'confirm' | 'process' | 'reconcile' }
  | { retried: false; reason: string }

/**
 * An operator's "try again" for a registration that stopped: a failed one is submitted to MOSIP
 * again, and so is one that needs attention before MOSIP took its packet (a MOSIP outage that
 * outlasted the token's margin); one that needs attention after its credential arrived is
 * confirmed again (after the cause — an expired token, a missing pending action — has been
 * dealt with); one handed over while MOSIP had its packet and no credential came (MOSIP issued
 * the ID but the credential was lost, MOSIP kept asking for the packet or not knowing it) goes
 * back to waiting on MOSIP, checked at once with a fresh resubmission budget.
 */
export async function retryRegistration(
  deps: { store: Store; registrations: RegistrationsRepository; queue: JobQueue<Tasks> },
  id: string
): Promise<RetryResult> {
  const registration = await deps.registrations.get(id)
  if (!registration) return { retried: false, reason: `registration ${id} does not exist` }
  const payload: RegistrationJobPayload = { v: 1, registrationId: id }
  const suffix = `retry-${Date.now()}`
  // Where a registration handed to an operator stood before: one read of its history.
  const handedOverFrom =
    registration.state === 'needs_attention'
      ? (await deps.registrations.history(id)).at(-1)?.from_state
      : undefined
  const stoppedBeforeMosip = handedOverFrom === 'received' || handedOverFrom === 'packet_created'
  if (registration.state === 'failed' || stoppedBeforeMosip) {
    if (!registration.payload_sealed) {
      return { retried: false, reason: 'its packet input was already erased' }
    }
    await deps.store.transaction(async (trx) => {
      await deps.registrations.transition(trx, id, 'received', {
        current: registration,
        reason: 'OPERATOR_RETRY'
      })
      await deps.queue.enqueue(trx, TASKS.submitPacket, payload, {
        jobKey: `${jobKeys.submitPacket(id)}:${suffix}`
      })
    })
    return { retried: true, step: 'submit' }
  }
  if (registration.state === 'needs_attention' && registration.credential_event_id) {
    await deps.store.transaction(async (trx) => {
      await deps.registrations.transition(trx, id, 'credential_received', {
        current: registration,
        reason: 'OPERATOR_RETRY'
      })
      await deps.queue.enqueue(trx, TASKS.confirmRegistration, payload, {
        jobKey: `${jobKeys.confirmRegistration(id, registration.credential_event_id ?? '')}:${suffix}`
      })
    })
    return { retried: true, step: 'confirm' }
  }
  if (handedOverFrom === 'submitted') {
    await deps.registrations.transition(deps.store.db, id, 'submitted', {
      current: registration,
      reason: 'OPERATOR_RETRY',
      changes: { reconcile_at: Date.now(), resubmissions: 0, mosip_unchanged_checks: 0 }
    })
    return { retried: true, step: 'reconcile' }
  }
  return { retried: false, reason: `registration ${id} is ${registration.state}; nothing to retry` }
}

/**
 * Processes a kept WebSub delivery again — after the cause was fixed (a keystore or thumbprint
 * setting for an undecryptable credential, a registration restored for an unmatched credential
 * or workflow-completed event).
 */
export async function retryDelivery(
  deps: { store: Store; inbox: WebsubInboxRepository; queue: JobQueue<Tasks> },
  eventId: string
): Promise<RetryResult> {
  const reopened = await deps.store.transaction(async (trx) => {
    if (!(await deps.inbox.reopenKept(trx, eventId))) return false
    if (isWorkflowEventId(eventId)) {
      await deps.queue.enqueue(
        trx,
        TASKS.applyWorkflowEvent,
        { v: 1, eventId },
        { jobKey: `${jobKeys.applyWorkflowEvent(eventId)}:retry-${Date.now()}` }
      )
    } else {
      await deps.queue.enqueue(
        trx,
        TASKS.processCredential,
        { v: 1, eventId },
        { jobKey: `${jobKeys.processCredential(eventId)}:retry-${Date.now()}` }
      )
    }
    return true
  })
  return reopened
    ? { retried: true, step: 'process' }
    : {
        retried: false,
        reason: `delivery ${eventId} is not kept for an operator (or does not exist)`
      }
}

export type RemovedRegistration = Pick<Registration, 'opencrvs_event_id' | 'registration_number'>

/**
 * Stops tracking a registration: deletes it with its history, and its jobs still waiting or
 * dead, in one transaction. Its jobs already running find no registration and stop.
 */
export function removeRegistration(
  deps: { store: Store; registrations: RegistrationsRepository; queue: JobQueue<Tasks> },
  id: string
): Promise<RemovedRegistration | undefined> {
  return deps.store.transaction(async (trx) => {
    const removed = await deps.registrations.remove(trx, id)
    if (removed) await deps.queue.discardWaiting(trx, jobKeys.ofRegistration(id))
    return removed
  })
}
