import type { TaskHandler } from '../queue/job-runner.js'
import {
  failOpencrvsStep,
  finishRegistration,
  openOpencrvs,
  opencrvsTransactionId,
  type OpencrvsDeps
} from './opencrvs-step.js'
import type { Tasks } from './tasks.js'

/**
 * Rejects in OpenCRVS a registration MOSIP refused or we gave up on, so the record leaves
 * "pending external validation" and the registrar can act on it.
 */
export function rejectRegistrationJob(
  deps: OpencrvsDeps
): TaskHandler<Tasks['reject-registration']> {
  const { registrations } = deps

  return async ({ registrationId }, context) => {
    const registration = await registrations.get(registrationId)
    if (!registration || registration.state !== 'failed') return
    const access = await openOpencrvs(deps, registration, context)
    if (!access) return
    const { eventId, token } = access
    let actionId = registration.opencrvs_action_id
    if (!actionId) {
      const pending = await deps.events.pendingAction(token.value, eventId)
      if (pending.kind !== 'ok') return failOpencrvsStep(deps, registration, pending, context)
      actionId = pending.value?.actionId ?? null
    }
    if (!actionId) {
      return finishRegistration(deps, registration, 'rejected', 'NO_PENDING_ACTION', context.logger)
    }
    const rejected = await deps.events.rejectRegistration(token.value, {
      eventId,
      actionId,
      transactionId: opencrvsTransactionId(registrationId)
    })
    if (rejected.kind !== 'ok') return failOpencrvsStep(deps, registration, rejected, context)
    return finishRegistration(deps, registration, 'rejected', 'REGISTER_REJECTED', context.logger)
  }
}
