import {
  planOperatorAction,
  type ActionStep,
  type OperatorAction,
  type RegistrationFacts
} from '../core/operator-action-plan.js'
import { errorCode } from '../core/error-code.js'
import type { RegistrationState } from '../core/registration-state.js'
import type { JobQueue } from '../queue/job-queue.js'
import type { ReconciliationRepository } from '../store/reconciliation.repository.js'
import type { Store } from '../store/database.js'
import type { RegistrationsRepository } from '../store/registrations.repository.js'
import type { Registration } from '../store/schema.js'
import type { WebsubInboxRepository } from '../store/websub-inbox.repository.js'
import { TASKS, jobKeys, type RegistrationJobPayload, type Tasks } from './tasks.js'
import { isWorkflowEventId } from './websub-intake.service.js'

type RetryResult =
  { retried: true; step: ActionStep | 'process' } | { retried: false; reason: string }

/** What an operator action on a registration needs. */
export interface RegistrationActionDeps {
  store: Store
  registrations: RegistrationsRepository
  reconciliation: ReconciliationRepository
  queue: JobQueue<Tasks>
  clock?: () => number
}

/** The outcome of an operator action on a registration: what was done, or why nothing was. */
export type RegistrationActionResult =
  { done: true; step: ActionStep; message: string } | { done: false; reason: string }

/**
 * What the plan of operator actions knows of a registration: its state and, for one waiting
 * for an operator, where it stood before and why it was handed over (one read of its history).
 */
export async function factsOf(
  registrations: RegistrationsRepository,
  registration: Registration
): Promise<RegistrationFacts> {
  const handedOver =
    registration.state === 'needs_attention'
      ? (await registrations.history(registration.id))
          .filter((entry) => entry.to_state === 'needs_attention')
          .at(-1)
      : undefined
  const handedOverFrom = handedOver?.from_state ?? null
  return {
    state: registration.state as RegistrationState,
    kind: registration.kind,
    hasOpencrvsEvent: registration.opencrvs_event_id !== null,
    // A death MOSIP reported processed is confirmed without a credential event.
    hasCredential:
      registration.credential_event_id !== null || handedOverFrom === 'credential_received',
    payloadKept: registration.payload_sealed !== null,
    handedOverFrom,
    reason: handedOver?.reason ?? null
  }
}

/**
 * Runs one operator action on a registration, if its plan offers it (`planOperatorAction` says
 * which apply and why the others do not). Used alike by the CLI and the console.
 */
export async function runRegistrationAction(
  deps: RegistrationActionDeps,
  id: string,
  action: OperatorAction
): Promise<RegistrationActionResult> {
  try {
    return await act(deps, id, action)
  } catch (error) {
    // The registration moved on (a job, another operator) between the plan and the action.
    const code = errorCode(error)
    if (code !== 'INVALID_STATE_TRANSITION' && code !== 'REGISTRATION_NOT_FOUND') throw error
    return {
      done: false,
      reason: `registration ${id} changed meanwhile; nothing was done (look at it again)`
    }
  }
}

async function act(
  deps: RegistrationActionDeps,
  id: string,
  action: OperatorAction
): Promise<RegistrationActionResult> {
  const registration = await deps.registrations.get(id)
  if (!registration) return { done: false, reason: `registration ${id} does not exist` }
  const plan = planOperatorAction(await factsOf(deps.registrations, registration), action)
  if (!plan.offered) return { done: false, reason: `registration ${id}: ${plan.refusal}` }
  const clock = deps.clock ?? Date.now
  const payload: RegistrationJobPayload = { v: 1, registrationId: id }
  // An operator's jobs have keys of their own: a finished or dead job of the same step does not
  // stop them.
  const suffix = `operator-${clock()}`
  const state = registration.state as RegistrationState
  switch (plan.step) {
    case 'submit':
      await deps.store.transaction(async (trx) => {
        if (state === 'failed' || state === 'needs_attention') {
          await deps.registrations.transition(trx, id, 'received', {
            current: registration,
            reason: 'OPERATOR_RETRY'
          })
        }
        // received or packet_created: the submission resumes where it stopped.
        await deps.queue.enqueue(trx, TASKS.submitPacket, payload, {
          jobKey: `${jobKeys.submitPacket(id)}:${suffix}`
        })
      })
      deps.queue.notify()
      return { done: true, step: 'submit', message: 'submission to MOSIP queued' }
    case 'confirm':
      await deps.store.transaction(async (trx) => {
        if (state === 'needs_attention') {
          await deps.registrations.transition(trx, id, 'credential_received', {
            current: registration,
            reason: 'OPERATOR_RETRY'
          })
        }
        await deps.queue.enqueue(trx, TASKS.confirmRegistration, payload, {
          jobKey: `${jobKeys.confirmRegistration(id, registration.credential_event_id ?? 'mosip-status')}:${suffix}`
        })
      })
      deps.queue.notify()
      return { done: true, step: 'confirm', message: 'confirmation in OpenCRVS queued' }
    case 'reconcile':
      if (state === 'submitted') {
        if (!(await deps.reconciliation.dueAt(deps.store.db, id, clock()))) {
          return { done: false, reason: `registration ${id} moved on meanwhile` }
        }
      } else {
        await deps.registrations.transition(deps.store.db, id, 'submitted', {
          current: registration,
          reason: 'OPERATOR_RETRY',
          changes: { reconcile_at: clock(), resubmissions: 0, mosip_unchanged_checks: 0 }
        })
      }
      return { done: true, step: 'reconcile', message: 'due for a check with MOSIP now' }
    case 'reject':
      await deps.store.transaction(async (trx) => {
        if (state !== 'failed') {
          await deps.registrations.transition(trx, id, 'failed', {
            current: registration,
            reason: 'OPERATOR_GAVE_UP',
            lastError: 'an operator gave up on it',
            changes: { reconcile_at: null }
          })
        }
        await deps.queue.enqueue(trx, TASKS.rejectRegistration, payload, {
          jobKey: `${jobKeys.rejectRegistration(id)}:${suffix}`
        })
      })
      deps.queue.notify()
      return { done: true, step: 'reject', message: 'rejection in OpenCRVS queued' }
    case 'remove':
      return (await removeRegistration(deps, id))
        ? { done: true, step: 'remove', message: 'removed' }
        : { done: false, reason: `registration ${id} does not exist` }
  }
}

/**
 * An operator's "try again" for a registration that stopped: the step it stopped at, again —
 * a failed one, or one handed over before MOSIP took its packet, is submitted to MOSIP again;
 * one handed over after MOSIP's answer came is confirmed in OpenCRVS again; one handed over
 * while MOSIP had its packet and no credential came goes back to waiting on MOSIP, checked at
 * once with a fresh resubmission budget; one whose rejection in OpenCRVS stopped has it queued
 * again. (`planOperatorAction` says exactly which.)
 */
export async function retryRegistration(
  deps: RegistrationActionDeps,
  id: string
): Promise<RetryResult> {
  const result = await runRegistrationAction(deps, id, 'retry')
  return result.done
    ? { retried: true, step: result.step }
    : { retried: false, reason: result.reason }
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
