import type { TaskHandler } from '../queue/job-runner.js'
import { ACTION_STATUS, pendingActionOf, settlementOf } from '../core/pending-action.js'
import {
  failOpencrvsStep,
  finishRegistration,
  openOpencrvs,
  opencrvsTransactionId,
  type OpencrvsDeps
} from './opencrvs-step.js'
import type { Tasks } from './tasks.js'

/**
 * Rejects in OpenCRVS a registration MOSIP refused, so the record leaves "pending external
 * validation" and the registrar can act on it. The event is read first, and what OpenCRVS
 * already decided is never contradicted: an action already rejected (by us before a restart,
 * or by someone else) finishes the registration quietly; one already accepted is not rejected —
 * the registration waits for an operator, since MOSIP refused what OpenCRVS registered.
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
    const transactionId = opencrvsTransactionId(registrationId)
    const event = await deps.events.getEvent(token.value, eventId)
    if (event.kind !== 'ok') return failOpencrvsStep(deps, registration, event, context)
    const settled = settlementOf(event.value.actions, {
      actionId: registration.opencrvs_action_id,
      transactionId
    })
    if (settled?.status === ACTION_STATUS.rejected) {
      return finishRegistration(
        deps,
        registration,
        'rejected',
        'ACTION_ALREADY_REJECTED',
        context.logger
      )
    }
    if (settled?.status === ACTION_STATUS.accepted) {
      return failOpencrvsStep(
        deps,
        registration,
        {
          kind: 'permanent',
          code: 'OPENCRVS_ALREADY_ACCEPTED',
          reason: 'OpenCRVS already accepted what MOSIP refused; no rejection was sent'
        },
        context
      )
    }
    let actionId = registration.opencrvs_action_id
    if (!actionId) {
      const pending = pendingActionOf(event.value)
      if (pending.kind !== 'ok') return failOpencrvsStep(deps, registration, pending, context)
      actionId = pending.value?.actionId ?? null
    }
    if (!actionId) {
      return finishRegistration(deps, registration, 'rejected', 'NO_PENDING_ACTION', context.logger)
    }
    const rejected = await deps.events.rejectRegistration(token.value, {
      eventId,
      actionId,
      transactionId
    })
    if (rejected.kind !== 'ok') return failOpencrvsStep(deps, registration, rejected, context)
    return finishRegistration(deps, registration, 'rejected', 'REGISTER_REJECTED', context.logger)
  }
}
