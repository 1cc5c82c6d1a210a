import type { RegistrationState } from '../core/registration-state.js'
import type { JobQueue } from '../queue/job-queue.js'
import type { Store } from '../store/database.js'
import type { RegistrationsRepository } from '../store/registrations.repository.js'
import type { Registration, RegistrationUpdate } from '../store/schema.js'
import { TASKS, jobKeys, type Tasks } from './tasks.js'

interface FailDeps {
  store: Store
  registrations: RegistrationsRepository
  queue: JobQueue<Tasks>
  rejectOnFailure: boolean
}

/**
 * MOSIP refused a registration for good (a request-validation error, or REJECTED in processing):
 * it fails and, with REJECT_ON_FAILURE, its OpenCRVS action is rejected, in one transaction, so
 * the record does not wait in "pending external validation" forever. Updates have no OpenCRVS
 * action to reject. Returns whether a rejection was queued.
 */
export async function failRegistration(
  deps: FailDeps,
  registration: Registration,
  failure: { code: string; reason: string; changes?: RegistrationUpdate }
): Promise<boolean> {
  const reject =
    deps.rejectOnFailure &&
    registration.kind !== 'update' &&
    registration.opencrvs_event_id !== null
  await deps.store.transaction(async (trx) => {
    await deps.registrations.transition(trx, registration.id, 'failed', {
      // Only from the state it was read in: a registration that moved on meanwhile is left alone.
      from: registration.state as RegistrationState,
      reason: failure.code,
      lastError: failure.reason,
      changes: { ...failure.changes, reconcile_at: null }
    })
    if (reject) {
      await deps.queue.enqueue(
        trx,
        TASKS.rejectRegistration,
        { v: 1, registrationId: registration.id },
        { jobKey: jobKeys.rejectRegistration(registration.id) }
      )
    }
  })
  if (reject) deps.queue.notify()
  return reject
}
